# Reserved for support.kb (filled when its models land).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("support", "0005_webforms")]

    operations: list = []
