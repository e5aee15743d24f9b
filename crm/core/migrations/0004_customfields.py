# Reserved for parallel work on this area; operations are added here, not in new files.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0003_accounts")]
    operations: list = []
