# Reserved for the restore and purge fixes work (one migration per parallel work stream keeps the graph linear).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("contacts", "0011_import_speed")]

    operations: list = []
