# Reserved for support.ticket_pages (filled when its models land).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("support", "0001_tickets")]

    operations: list = []
