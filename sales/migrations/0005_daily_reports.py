# Reserved for the daily reports work (one migration per parallel work stream keeps the graph linear).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sales", "0004_activities")]

    operations: list = []
