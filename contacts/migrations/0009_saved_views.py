# Reserved for the advanced search and saved views work (one migration per parallel work stream keeps the graph linear).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("contacts", "0008_exports")]

    operations: list = []
