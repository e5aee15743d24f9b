# Reserved for the pipelines, deals and the board work (one migration per parallel work stream keeps the graph linear).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_foundation")]

    operations: list = []
