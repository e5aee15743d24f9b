# Reserved for the targets, forecast and dashboards work (one migration per parallel work stream keeps the graph linear).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sales", "0005_daily_reports")]

    operations: list = []
