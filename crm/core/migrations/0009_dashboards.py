# Dashboards (the dashboards stream's reserved migration).

import django.db.models.deletion
import django.db.models.manager
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0008_notifications'),
    ]

    operations = [
        migrations.CreateModel(
            name='Dashboard',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, verbose_name='name')),
                ('layout', models.JSONField(blank=True, default=list, verbose_name='layout')),
                ('is_default', models.BooleanField(default=False, verbose_name='default dashboard')),
                ('published_to_team', models.BooleanField(default=False, verbose_name='published to my team')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='owner')),
                ('tenant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='core.tenant')),
            ],
            options={
                'verbose_name': 'dashboard',
                'indexes': [models.Index(fields=['tenant', 'owner', 'id'], name='dashboard_owner'), models.Index(condition=models.Q(('published_to_team', True)), fields=['tenant', 'owner'], name='dashboard_published')],
                'constraints': [models.UniqueConstraint(fields=('tenant', 'owner', 'name'), name='dashboard_unique_name'), models.UniqueConstraint(condition=models.Q(('is_default', True)), fields=('tenant', 'owner'), name='dashboard_one_default')],
            },
            managers=[
                ('objects', django.db.models.manager.Manager()),
                ('all_tenants', django.db.models.manager.Manager()),
            ],
        ),
    ]
