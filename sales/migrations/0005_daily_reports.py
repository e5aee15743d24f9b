# Reserved for the stream that fills it; empty until then.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sales", "0004_activities")]
    operations: list = []
