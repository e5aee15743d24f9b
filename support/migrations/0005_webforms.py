# Reserved for support.webforms (filled when its models land).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("support", "0004_sla")]

    operations: list = []
