# Reserved for the export work (one migration per parallel work stream keeps the graph linear).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("contacts", "0007_search")]

    operations: list = []
