# Reserved for support.replies (filled when its models land).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("support", "0006_kb")]

    operations: list = []
