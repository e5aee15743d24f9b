# Reserved for the import speed work (one migration per parallel work stream keeps the graph linear).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("contacts", "0010_search_index")]

    operations: list = []
