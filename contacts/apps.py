from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "contacts"

    def ready(self) -> None:
        from crm.core.customfields import register_custom_field_model
        from crm.core.demo import register_seeder
        from crm.core.models import ObjectType

        from .demo import seed_contacts
        from .models import Company, Contact

        register_seeder("contacts", seed_contacts, order=10)

        from crm.core import tenantcache
        from crm.core.models import Membership

        from .forms import OWNERS

        tenantcache.register(OWNERS, Membership)  # the owner selects' cached members
        from .cti.models import CtiExtension
        from .cti.selectors import EXTENSION_USERS

        tenantcache.register(EXTENSION_USERS, CtiExtension)

        from crm.core.jobs import register_job

        from .exports.models import ExportJob, ExportStatus
        from .importers.models import ImportJob, ImportStatus

        register_job(
            "contacts.import", ImportJob, running=ImportStatus.RUNNING, failed=ImportStatus.FAILED
        )
        register_job(
            "contacts.export", ExportJob, running=ExportStatus.RUNNING, failed=ExportStatus.FAILED
        )
        # Contact keeps the "contact" custom fields (form, API, list, filters, tasks).
        register_custom_field_model(ObjectType.CONTACT, Contact)
        register_custom_field_model(ObjectType.COMPANY, Company)
