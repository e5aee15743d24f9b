# Reserved for support.mail (filled when its models land).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("support", "0002_ticket_pages")]

    operations: list = []
