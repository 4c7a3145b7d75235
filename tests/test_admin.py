from django.urls import reverse

from onestop.models import ApiKey, AuditEntry


def test_a_consultant_sees_only_assigned_companies_in_the_admin(client, world):
    client.force_login(world.consultant_a)
    page = client.get(reverse("admin:onestop_company_changelist")).content.decode()
    assert "에이정밀" in page
    assert "비금속" not in page
    memberships = client.get(reverse("admin:onestop_membership_changelist")).content.decode()
    assert world.member_a.full_name in memberships
    assert world.owner_b.full_name not in memberships


def test_a_staff_change_in_the_admin_is_audited_with_before_and_after(client, world):
    client.force_login(world.consultant_a)
    company = world.company_a
    url = reverse("admin:onestop_company_change", args=[company.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data.update(
        {
            "contact_phone": "055-000-1111",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = AuditEntry.objects.get(action="admin.change")
    assert entry.actor == world.consultant_a
    assert entry.company == company
    assert entry.before["contact_phone"] == ""
    assert entry.after["contact_phone"] == "055-000-1111"


def test_the_audit_log_cannot_be_edited_even_by_officers(client, world):
    client.force_login(world.officer)
    entry = AuditEntry.objects.first()
    change = client.post(
        reverse("admin:onestop_auditentry_change", args=[entry.pk]), {"action": "forged"}
    )
    assert change.status_code == 403  # officers may read the log, never change it
    entry.refresh_from_db()
    assert entry.action != "forged"
    delete = client.post(
        reverse("admin:onestop_auditentry_delete", args=[entry.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_an_officer_creates_a_key_in_the_admin_and_sees_it_once(client, world):
    client.force_login(world.officer)
    response = client.post(
        reverse("admin:onestop_apikey_add"),
        {"partner": world.partner_q.pk, "name": "from the desk"},
        follow=True,
    )
    text = response.content.decode()
    key = ApiKey.objects.get(name="from the desk")
    assert f"os_{key.public_id}_" in text
    assert AuditEntry.objects.filter(action="api_key.create", actor=world.officer).exists()


def test_a_consultant_cannot_reach_another_companys_record(client, world):
    client.force_login(world.consultant_a)
    url = reverse("admin:onestop_company_change", args=[world.company_b.pk])
    assert client.get(url).status_code == 404


def test_officers_manage_partner_members_in_the_admin(client, world):
    client.force_login(world.officer)
    page = client.get(reverse("admin:onestop_partner_change", args=[world.partner_p.pk]))
    [members] = page.context["inline_admin_formsets"]
    assert members.has_add_permission
    assert {form.instance.user for form in members.formset.initial_forms} == {
        world.partner_user,
        world.partner_member,
    }
