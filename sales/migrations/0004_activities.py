# Reserved for the activities, calendar and reminders work (one migration per parallel work stream keeps the graph linear).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sales", "0003_catalog")]

    operations: list = []
