# Reserved for the search speed work (one migration per parallel work stream keeps the graph linear).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("contacts", "0009_saved_views")]

    operations: list = []
