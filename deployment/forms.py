"""Forms of the portal's endpoint pages. They check shapes only; the services decide."""

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from deployment.models import Endpoint
from deployment.services.endpoints.queries import active_grants, deployable_versions
from deployment.services.endpoints.rules import MAX_REPLICAS
from onestop.dates import local_date


class GrantChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, grant):
        return _("%(pool)s · %(flavor)s · %(units)s units guaranteed until %(end)s") % {
            "pool": grant.pool.name,
            "flavor": grant.pool.get_flavor_display(),
            "units": grant.guarantee_units,
            "end": local_date(grant.ends_at),
        }


def replicas_field(label, initial=1):
    return forms.IntegerField(label=label, min_value=1, max_value=MAX_REPLICAS, initial=initial)


class EndpointForm(forms.Form):
    version = forms.ModelChoiceField(label=_("Model"), queryset=None)
    grant = GrantChoiceField(label=_("Grant"), queryset=None)
    name = forms.SlugField(
        label=_("Endpoint name"),
        max_length=100,
        help_text=_("Lowercase letters, digits and hyphens: your applications call it by name."),
    )
    min_replicas = replicas_field(_("Minimum replicas"))
    max_replicas = replicas_field(_("Maximum replicas"))

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = deployable_versions(company)
        self.fields["grant"].queryset = active_grants(company)


def suggested_name(version):
    """A free endpoint name from the model's family name: "press-line-model", then "-2"…"""
    base = (slugify(version.family.name) or "endpoint")[:90].strip("-") or "endpoint"
    taken = set(
        Endpoint.objects.filter(name__startswith=base)
        .exclude(state=Endpoint.State.DELETED)
        .values_list("name", flat=True)
    )
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    return name


class ScaleForm(forms.Form):
    min_replicas = replicas_field(_("Minimum replicas"))
    max_replicas = replicas_field(_("Maximum replicas"))


class ConfigureForm(forms.Form):
    deadline_ms = forms.IntegerField(label=_("Deadline per request (ms)"))
    batch_max_size = forms.IntegerField(
        label=_("Largest batch"), help_text=_("1 turns dynamic batching off.")
    )
    batch_max_delay_ms = forms.IntegerField(label=_("Longest queue wait (ms)"))


class RollForm(forms.Form):
    version = forms.ModelChoiceField(label=_("Version"), queryset=None)

    def __init__(self, *args, endpoint, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = (
            deployable_versions(endpoint.company)
            .filter(family_id=endpoint.version.family_id)
            .exclude(pk=endpoint.version_id)
        )


class KeyForm(forms.Form):
    name = forms.CharField(
        label=_("Key name"),
        max_length=100,
        required=False,
        help_text=_("Which application uses it, e.g. “line 3 PLC gateway”."),
    )
