# Reserved for support.insights (filled when its models land).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("support", "0008_csat")]

    operations: list = []
