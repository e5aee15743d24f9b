# Reserved for support.sla (filled when its models land).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("support", "0003_mail")]

    operations: list = []
