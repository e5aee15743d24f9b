# FormField.field_type gained the "file" choice (web form file fields, e5796fa). Choices
# live in Python only: this AlterField changes no column, it only clears the pending
# migration. (Numbered 0011: the number reserved for a queue index was not needed.)

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("support", "0010_rollup"),
    ]

    operations = [
        migrations.AlterField(
            model_name="formfield",
            name="field_type",
            field=models.CharField(
                choices=[
                    ("text", "Text"),
                    ("long_text", "Long text"),
                    ("email", "E-mail"),
                    ("phone", "Phone"),
                    ("select", "Drop-down"),
                    ("radio", "Radio buttons"),
                    ("checkbox", "Checkbox"),
                    ("date", "Date"),
                    ("postal_code", "Postal code"),
                    ("file", "File (attached to the inquiry)"),
                ],
                default="text",
                max_length=12,
                verbose_name="type",
            ),
        ),
    ]
