# Reserved for support.csat (filled when its models land).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("support", "0007_replies")]

    operations: list = []
