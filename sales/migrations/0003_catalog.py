# Reserved for the stock movements and orders work (one migration per parallel work stream keeps the graph linear).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("sales", "0002_deals")]

    operations: list = []
