#!/usr/bin/env python3
"""Drives `skillsync sim` with Genesys's official Python SDK (PureCloudPlatformClientV2), unchanged.

Usage: pip install PureCloudPlatformClientV2 && scripts/sdk_check.py [BASE_URL]
(default http://127.0.0.1:9400, the simulator's default listen address). Exits non-zero on the
first call the SDK cannot make or parse.
"""
import sys

import PureCloudPlatformClientV2 as gc
from PureCloudPlatformClientV2.rest import ApiException

def model(cls, **fields):
    """SDK models take no constructor arguments; fields are set one by one."""
    obj = cls()
    for name, value in fields.items():
        setattr(obj, name, value)
    return obj


base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:9400"
gc.configuration.host = base
client = gc.api_client.ApiClient(host=base).get_client_credentials_token(
    "skillsync-sim", "skillsync-sim-secret"
)
users = gc.UsersApi(client)
routing = gc.RoutingApi(client)
org = gc.OrganizationApi(client)

page = users.get_users(page_size=100, expand=["skills", "languages", "certifications", "employerInfo"])
print(f"get_users: {len(page.entities)} of {page.total}, page count {page.page_count}")
user = next(u for u in page.entities if u.skills)
print(f"  {user.email} employeeId={user.employer_info.employee_id} skills={len(user.skills)} version={user.version}")

skills = routing.get_routing_skills(page_size=100, name="Billing")
print(f"get_routing_skills(name=Billing): {[s.name for s in skills.entities][:4]} ...")
held = {s.id for s in user.skills}
new = next(s for s in routing.get_routing_skills(page_size=100).entities if s.id not in held)

listing = users.patch_user_routingskills_bulk(user.id, [model(gc.UserRoutingSkillPost, id=new.id, proficiency=3.5)])
assert any(s.id == new.id and s.proficiency == 3.5 for s in listing.entities), "bulk PATCH not applied"
print(f"patch_user_routingskills_bulk: now {len(listing.entities)} skills")
users.delete_user_routingskill(user.id, new.id)
after = users.get_user_routingskills(user.id, page_size=100)
assert all(s.id != new.id for s in after.entities), "DELETE not applied"
print(f"delete_user_routingskill + get_user_routingskills: {after.total} skills")

language = routing.get_routing_languages(page_size=25).entities[0]
langs = users.patch_user_routinglanguages_bulk(user.id, [model(gc.UserRoutingLanguagePost, id=language.id, proficiency=4)])
print(f"patch_user_routinglanguages_bulk: {[(l.name, l.proficiency) for l in langs.entities]}")

current = users.get_user(user.id)
updated = users.patch_user(user.id, model(gc.UpdateUser, version=current.version, certifications=["PCI-DSS"]))
print(f"patch_user: version {current.version} -> {updated.version}, certifications {updated.certifications}")
try:
    users.patch_user(user.id, model(gc.UpdateUser, version=current.version, certifications=["stale"]))
    sys.exit("a stale version was accepted")
except ApiException as e:
    assert e.status == 409, e.status
    print(f"stale patch_user: {e.status} as expected")

status = users.get_user_routingstatus(user.id)
print(f"get_user_routingstatus: {status.status}")
limits = org.get_organizations_limits_namespace("platform.api")
print(f"get_organizations_limits_namespace: {[(l.key, l.value) for l in limits.entities]}")
try:
    users.get_user("00000000-0000-4000-8000-000000000000")
    sys.exit("an unknown user was found")
except ApiException as e:
    assert e.status == 404, e.status
    print("get_user(unknown): 404 as expected")
print("SDK check passed")
