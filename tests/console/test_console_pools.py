"""Identity pools in the console, checked through the API as a client would: the tutorial's first
step (create, then the roles step), editing with the developer provider locked, tags and names
that hold markup, deletion behind a confirmation, role mappings and principal tags."""

from __future__ import annotations

import json
from html import unescape
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.console.support import ConsoleUser, create_pool, text_of
from tests.support import ROOT_KEY, ROOT_SECRET, LiveServer, client

SCRIPT = "<script>document.title='pwned'</script>"


def test_the_create_form_uses_the_tutorials_words(root: ConsoleUser) -> None:
    page = root.open("/console/pools")
    assert "Manage Identity Pools" in page.text
    form = root.open("/console/pools/new").text
    for words in ("Create new identity pool", "Identity pool name", "Enable access to unauthenticated identities",
                  "Authentication providers", ">Custom<", "Developer provider name", ">Create Pool<"):
        assert words in form, words


def test_create_pool_then_the_roles_step_makes_aws_standard_roles(root: ConsoleUser, live: LiveServer) -> None:
    pool_id = create_pool(root, "Tutorial App", developer="login.tutorial.app", guests=True)
    setup = root.get(f"/console/pools/{pool_id}/roles/setup")
    assert "Identity pool Tutorial App created." in setup.text
    assert 'value="Cognito_TutorialAppAuth_Role"' in setup.text
    assert 'value="Cognito_TutorialAppUnauth_Role"' in setup.text
    done = root.submit(f"/console/pools/{pool_id}/roles/setup", {
        "authenticated_mode": "create", "authenticated_name": "Cognito_TutorialAppAuth_Role",
        "unauthenticated_mode": "create", "unauthenticated_name": "Cognito_TutorialAppUnauth_Role",
        "unauthenticated_policy": ""})
    assert "Roles assigned to the pool." in done.text

    cognito, iam = client(live, "cognito-identity"), client(live, "iam")
    pool = cognito.describe_identity_pool(IdentityPoolId=pool_id)
    assert (pool["IdentityPoolName"], pool["DeveloperProviderName"], pool["AllowUnauthenticatedIdentities"]) == (
        "Tutorial App", "login.tutorial.app", True)
    roles = cognito.get_identity_pool_roles(IdentityPoolId=pool_id)["Roles"]
    assert roles == {"authenticated": "arn:aws:iam::123456789012:role/Cognito_TutorialAppAuth_Role",
                     "unauthenticated": "arn:aws:iam::123456789012:role/Cognito_TutorialAppUnauth_Role"}
    for name, amr in (("Cognito_TutorialAppAuth_Role", "authenticated"), ("Cognito_TutorialAppUnauth_Role", "unauthenticated")):
        statement = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]["Statement"][0]
        assert statement["Principal"] == {"Federated": "cognito-identity.amazonaws.com"}
        assert "sts:AssumeRoleWithWebIdentity" in statement["Action"]
        assert statement["Condition"] == {
            "StringEquals": {"cognito-identity.amazonaws.com:aud": pool_id},
            "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr}}
    # least privilege: the guest role allows nothing; the authenticated one reads its own pool
    assert iam.list_role_policies(RoleName="Cognito_TutorialAppUnauth_Role")["PolicyNames"] == []
    policy = iam.get_role_policy(RoleName="Cognito_TutorialAppAuth_Role",
                                 PolicyName="Cognito_TutorialAppAuth_Role_Policy")["PolicyDocument"]
    assert policy["Statement"][0]["Action"] == "cognito-identity:DescribeIdentityPool"


def test_the_roles_step_can_choose_existing_roles(root: ConsoleUser, live: LiveServer) -> None:
    iam = client(live, "iam")
    pool_id = create_pool(root, "Existing Roles App", developer="login.existing")
    arn = iam.create_role(RoleName="ExistingRolesAppRole", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": pool_id}}}]}))["Role"]["Arn"]
    page = root.get(f"/console/pools/{pool_id}/roles/setup")
    assert f'<option value="{arn}">' in page.text  # offered in the list
    root.submit(f"/console/pools/{pool_id}/roles/setup", {"authenticated_mode": "existing", "authenticated_existing": arn,
                                                         "unauthenticated_mode": "none"})
    assert client(live, "cognito-identity").get_identity_pool_roles(IdentityPoolId=pool_id)["Roles"] == {"authenticated": arn}


def test_role_names_drop_what_iam_refuses(root: ConsoleUser) -> None:
    pool_id = create_pool(root, "My Very Long Application Name That Goes On And On And On Forever", developer="login.long")
    page = root.get(f"/console/pools/{pool_id}/roles/setup").text
    name = page.split('id="authenticated_name" name="authenticated_name" value="')[1].split('"')[0]
    assert name.startswith("Cognito_MyVeryLongApplication") and name.endswith("Auth_Role") and len(name) == 64
    assert " " not in name


def test_the_developer_provider_name_is_locked_once_set(root: ConsoleUser, live: LiveServer) -> None:
    pool_id = create_pool(root, "Locked App", developer="login.locked")
    page = root.get(f"/console/pools/{pool_id}")
    assert 'name="developer" value="login.locked" readonly' in page.text
    assert "Locked:" in page.text
    changed = root.submit(f"/console/pools/{pool_id}", {"name": "Locked App Renamed", "developer": "login.other"})
    assert changed.status_code == 400
    assert "Developer provider name cannot be changed once set" in text_of(changed.text)
    kept = root.submit(f"/console/pools/{pool_id}", {"name": "Locked App Renamed", "developer": "login.locked",
                                                      "allow_classic_flow": "on"})
    assert "Changes saved." in kept.text
    pool = client(live, "cognito-identity").describe_identity_pool(IdentityPoolId=pool_id)
    assert (pool["IdentityPoolName"], pool["DeveloperProviderName"], pool["AllowClassicFlow"]) == (
        "Locked App Renamed", "login.locked", True)


@pytest.mark.catalogue("I05")
def test_markup_in_names_and_tags_stays_text(root: ConsoleUser, live: LiveServer) -> None:
    root.get("/console/pools/new")
    refused = root.submit("/console/pools/new", {"name": SCRIPT, "developer": "login.x"})
    assert refused.status_code == 400
    assert SCRIPT not in refused.text  # neither in the error that repeats it nor in the form
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in refused.text
    assert "ValidationException" in refused.text
    pool_id = create_pool(root, "Tagged App", developer="login.tagged", tags=f"team={SCRIPT}")
    assert client(live, "cognito-identity").describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolTags"] == {"team": SCRIPT}
    page = root.get(f"/console/pools/{pool_id}")
    assert SCRIPT not in page.text and "team=&lt;script&gt;" in page.text


def test_a_bad_tag_line_is_refused_naming_the_line(root: ConsoleUser) -> None:
    root.get("/console/pools/new")
    page = root.submit("/console/pools/new", {"name": "Bad Tags", "tags": "a=1\nno separator here"})
    assert page.status_code == 400
    assert "Tags, line 2: write each entry as key=value." in text_of(page.text)


def test_deleting_a_pool_asks_first(root: ConsoleUser, live: LiveServer) -> None:
    pool_id = create_pool(root, "Doomed App", developer="login.doomed")
    confirm = root.get(f"/console/pools/{pool_id}/delete")
    assert "Delete identity pool Doomed App?" in text_of(confirm.text)
    cognito = client(live, "cognito-identity")
    cognito.describe_identity_pool(IdentityPoolId=pool_id)  # a GET deletes nothing
    done = root.submit(f"/console/pools/{pool_id}/delete")
    assert f"Identity pool {pool_id} deleted." in done.text
    with pytest.raises(ClientError) as gone:
        cognito.describe_identity_pool(IdentityPoolId=pool_id)
    assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_pools_are_listed_with_paging(root: ConsoleUser, live: LiveServer) -> None:
    cognito = client(live, "cognito-identity")
    for i in range(61):
        cognito.create_identity_pool(IdentityPoolName=f"Paged {i}", AllowUnauthenticatedIdentities=False)
    first = root.get("/console/pools")
    assert first.text.count('<tr><td><a href="/console/pools/') == 60
    next_link = first.text.split('href="/console/pools?next=')[1].split('"')[0]
    second = root.get(f"/console/pools?next={next_link}")
    assert 'href="/console/pools">First page</a>' in second.text
    assert second.text.count('<tr><td><a href="/console/pools/') >= 1


def test_role_mappings_and_principal_tags_are_set(root: ConsoleUser, live: LiveServer) -> None:
    iam, cognito = client(live, "iam"), client(live, "cognito-identity")
    pool_id = create_pool(root, "Mapped App", developer="login.mapped")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Federated": "cognito-identity.amazonaws.com"}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": pool_id}}}]})
    admin = iam.create_role(RoleName="MappedAppAdmins", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    auth = iam.create_role(RoleName="MappedAppUsers", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    page = root.get(f"/console/pools/{pool_id}/roles")
    assert '<option value="login.mapped">login.mapped</option>' in page.text
    saved = root.submit(f"/console/pools/{pool_id}/roles", {
        "authenticated": auth, "unauthenticated": "",
        "m0_provider": "login.mapped", "m0_type": "Rules", "m0_ambiguous": "Deny",
        "m0_claim": ["department", ""], "m0_match": ["Equals", "Equals"], "m0_value": ["admins", ""],
        "m0_role": [admin, ""]})
    assert "Roles and role mappings saved." in saved.text
    got = cognito.get_identity_pool_roles(IdentityPoolId=pool_id)
    assert got["Roles"] == {"authenticated": auth}
    assert got["RoleMappings"] == {"login.mapped": {"Type": "Rules", "AmbiguousRoleResolution": "Deny",
        "RulesConfiguration": {"Rules": [{"Claim": "department", "MatchType": "Equals", "Value": "admins", "RoleARN": admin}]}}}
    # the saved mapping comes back in the form, and clearing its provider removes it
    assert 'Role mapping for login.mapped' in root.get(f"/console/pools/{pool_id}/roles").text
    root.submit(f"/console/pools/{pool_id}/roles", {"authenticated": auth, "m0_provider": "", "m1_provider": ""})
    assert not cognito.get_identity_pool_roles(IdentityPoolId=pool_id).get("RoleMappings")

    root.get(f"/console/pools/{pool_id}/principal-tags")
    tagged = root.submit(f"/console/pools/{pool_id}/principal-tags", {"provider": "login.mapped", "tags": "dept=department"})
    assert "Principal tags for login.mapped saved." in tagged.text
    found = cognito.get_principal_tag_attribute_map(IdentityPoolId=pool_id, IdentityProviderName="login.mapped")
    assert (found["UseDefaults"], found["PrincipalTags"]) == (False, {"dept": "department"})


def test_sample_code_is_filled_in_with_the_pool(root: ConsoleUser, live: LiveServer) -> None:
    pool_id = create_pool(root, "Sample App", developer="login.sample")
    page = root.get(f"/console/pools/{pool_id}/code").text
    for expected in (f'IdentityPoolId="{pool_id}"', 'Logins={"login.sample": user_id}', f'endpoint_url="{live.url}"',
                     f'DeveloperIdentities("{pool_id}", "login.sample"', "from idpool.credentials import CognitoIdentityCredentials",
                     "GetOpenIdTokenForDeveloperIdentityCommand", "fromCognitoIdentity", f'IdentityPoolId: "{pool_id}"'):
        assert expected in page, expected


def test_the_boto3_backend_snippet_runs_as_shown(root: ConsoleUser, live: LiveServer,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Copied from the page as it is, it gets a user's token from this server."""
    pool_id = create_pool(root, "Runnable Sample", developer="login.runnable")
    page = root.get(f"/console/pools/{pool_id}/code").text
    snippet = unescape(page.split('id="backend-boto3" data-language="python">')[1].split("</pre>")[0])
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ROOT_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", ROOT_SECRET)
    namespace: dict[str, Any] = {}
    exec(compile(snippet, "sample code", "exec"), namespace)
    answer = namespace["token_for"]("alice")
    found = client(live, "cognito-identity").lookup_developer_identity(IdentityPoolId=pool_id,
                                                                       DeveloperUserIdentifier="alice")
    assert answer["identityId"] == found["IdentityId"] and answer["token"].count(".") == 2


def test_the_api_sees_what_the_console_made(root: ConsoleUser, live: LiveServer) -> None:
    """Round trip: a pool made in the console gives tokens through the API at once."""
    pool_id = create_pool(root, "Round Trip", developer="login.roundtrip")
    issued = client(live, "cognito-identity").get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={"login.roundtrip": "carol"})
    assert issued["IdentityId"].startswith("us-east-1:")


def test_the_python_library_snippets_run_as_shown(root: ConsoleUser, live: LiveServer,
                                                  monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The idpool.developer backend snippet gets a token; the idpool.credentials frontend
    snippet, whose backend answers with that token, gets the pool's authenticated role."""
    import io
    import json
    import urllib.request

    pool_id = create_pool(root, "Library Sample", developer="login.library")
    iam = client(live, "iam")
    role = f"LibrarySample_{pool_id[-6:]}"
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": pool_id}}}]}))
    client(live, "cognito-identity").set_identity_pool_roles(
        IdentityPoolId=pool_id, Roles={"authenticated": f"arn:aws:iam::123456789012:role/{role}"})
    page = root.get(f"/console/pools/{pool_id}/code").text

    def snippet(name: str) -> str:
        return unescape(page.split(f'id="{name}" data-language="python">')[1].split("</pre>")[0])

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ROOT_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", ROOT_SECRET)
    backend: dict[str, Any] = {}
    exec(compile(snippet("backend-developer"), "backend sample", "exec"), backend)
    answer = json.dumps(backend["body"]).encode()
    monkeypatch.setattr(urllib.request, "urlopen", lambda request, timeout=None: io.BytesIO(answer))
    exec(compile(snippet("frontend-python"), "frontend sample", "exec"), {})
    assert capsys.readouterr().out.strip().endswith(f":assumed-role/{role}/CognitoIdentityCredentials")
