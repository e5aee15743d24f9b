from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_apikeys_audit"),
    ]

    operations = [
        migrations.AddField(
            model_name="tenant",
            name="record_visibility",
            field=models.CharField(
                choices=[
                    ("all", "Everyone sees every contact and company"),
                    ("own_team", "Sales reps see their own and their team's records"),
                ],
                default="all",
                max_length=16,
                verbose_name="record visibility",
            ),
        ),
    ]
