"""The pytest plugin, tested the way users meet it: pytest sessions (pytester) whose tests ask
for ``idpool``, ``idpool_env`` and ``idpool_factory``."""

from __future__ import annotations

import shutil
import sys
import tomllib
from pathlib import Path

import pytest

from .runs import PLUGIN, ROOT, plugin_args

EXAMPLE = ROOT / "examples" / "testing" / "idpool.yaml"


def test_the_plugin_is_declared_as_pytest_expects_it() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]["pytest11"]
    assert declared == {"idpool": PLUGIN}


def test_one_server_per_session_with_root_clients(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_kit_one="""
        seen = set()

        def test_first(idpool):
            seen.add(idpool.endpoint_url)
            assert idpool.client("sts").get_caller_identity()["Account"] == idpool.account_id == "000000000000"
            assert idpool.region == "us-east-1" and idpool.endpoint_url.startswith("http://127.0.0.1:")

        def test_second(idpool):
            seen.add(idpool.endpoint_url)
            assert len(seen) == 1  # the session's server, again
            pool = idpool.client("cognito-identity").create_identity_pool(
                IdentityPoolName="p", AllowUnauthenticatedIdentities=False)
            session = idpool.session()
            assert session.client("cognito-identity").describe_identity_pool(
                IdentityPoolId=pool["IdentityPoolId"])["IdentityPoolName"] == "p"
            assert session.client("iam").meta.endpoint_url == idpool.endpoint_url
        """)
    pytester.runpytest(*plugin_args()).assert_outcomes(passed=2)


def test_a_marked_test_gets_a_server_of_its_own(pytester: pytest.Pytester) -> None:
    shutil.copy(EXAMPLE, pytester.path / "idpool.yaml")
    pytester.makepyfile(test_kit_marked="""
        import pytest

        def names(server):
            pools = server.client("cognito-identity").list_identity_pools(MaxResults=60)["IdentityPools"]
            return [p["IdentityPoolName"] for p in pools]

        @pytest.mark.idpool(bootstrap="idpool.yaml", region="eu-west-1")
        def test_own(idpool, request):
            assert names(idpool) == ["MyApp"]
            assert idpool.region == "eu-west-1"
            pytest.own = idpool.endpoint_url

        def test_shared(idpool):
            assert names(idpool) == [] and idpool.endpoint_url != pytest.own
        """)
    pytester.runpytest(*plugin_args()).assert_outcomes(passed=2)


def test_idpool_env_points_code_and_subprocesses_at_the_server(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("""
        import os
        os.environ["AWS_PROFILE"] = "a-profile-that-does-not-exist"
        os.environ["AWS_SESSION_TOKEN"] = "someone-elses-token"
        """)
    pytester.makepyfile(test_kit_env=f"""
        import os, subprocess, boto3

        def test_code_under_test_finds_it(idpool_env, idpool):
            assert os.environ["AWS_ENDPOINT_URL_COGNITO_IDENTITY"] == idpool.endpoint_url
            assert "AWS_PROFILE" not in os.environ and "AWS_SESSION_TOKEN" not in os.environ
            assert boto3.client("sts").get_caller_identity()["Account"] == idpool.account_id
            child = subprocess.run([{sys.executable!r}, "-c",
                                    "import boto3; print(boto3.client('iam').list_roles()['Roles'])"],
                                   capture_output=True, text=True, check=True)
            assert child.stdout == "[]\\n"
            assert idpool_env == idpool.env

        def test_the_variables_are_restored_after_the_test():
            assert os.environ["AWS_PROFILE"] == "a-profile-that-does-not-exist"
            assert "AWS_ENDPOINT_URL" not in os.environ
        """)
    pytester.runpytest(*plugin_args()).assert_outcomes(passed=2)


def test_the_factory_starts_servers_and_stops_them_after_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_kit_factory="""
        import pytest, urllib.request

        def test_two(idpool_factory):
            one, two = idpool_factory(), idpool_factory(account_id="123456789012", database="memory")
            assert one.endpoint_url != two.endpoint_url
            assert two.client("sts").get_caller_identity()["Account"] == "123456789012"
            pytest.urls = [one.endpoint_url, two.endpoint_url]

        def test_they_are_gone():
            for url in pytest.urls:
                with pytest.raises(OSError):
                    urllib.request.urlopen(url + "/health", timeout=2)
        """)
    pytester.runpytest(*plugin_args()).assert_outcomes(passed=2)


def test_ini_settings_shape_the_session_server(pytester: pytest.Pytester) -> None:
    shutil.copy(EXAMPLE, pytester.path / "idpool.yaml")
    pytester.makeini("""
        [pytest]
        idpool_bootstrap = idpool.yaml
        idpool_region = ap-southeast-2
        idpool_account_id = 210987654321
        idpool_database = memory
        """)
    pytester.makepyfile(test_kit_ini="""
        def test_configured(idpool):
            assert (idpool.region, idpool.account_id) == ("ap-southeast-2", "210987654321")
            [pool] = idpool.client("cognito-identity").list_identity_pools(MaxResults=60)["IdentityPools"]
            assert pool["IdentityPoolId"].startswith("ap-southeast-2:")
            role = idpool.client("iam").get_role(RoleName="MyApp_Auth_Role")["Role"]
            assert role["Arn"] == "arn:aws:iam::210987654321:role/MyApp_Auth_Role"
        """)
    pytester.runpytest(*plugin_args()).assert_outcomes(passed=1)


def test_a_snapshot_seeds_the_server_with_its_ids(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", snapshot="""
        version: 1
        identity_pools:
          - name: Seeded
            id: us-east-1:11111111-2222-4333-8444-555555555555
            developer_provider_name: login.example
            identities:
              - id: us-east-1:aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee
                logins: {login.example: [alice]}
        """)
    pytester.makeini("""
        [pytest]
        idpool_snapshot = snapshot.yaml
        """)
    pytester.makepyfile(test_kit_snapshot="""
        def test_alice_keeps_her_identity(idpool):
            issued = idpool.client("cognito-identity").get_open_id_token_for_developer_identity(
                IdentityPoolId="us-east-1:11111111-2222-4333-8444-555555555555", Logins={"login.example": "alice"})
            assert issued["IdentityId"] == "us-east-1:aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
        """)
    pytester.runpytest(*plugin_args()).assert_outcomes(passed=1)


def test_a_bad_setting_or_file_fails_the_tests_that_need_the_server(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", broken="version: 1\nusers:\n  - {name: ci, access_keys: 9}\n")
    pytester.makepyfile(test_kit_bad="""
        import pytest

        @pytest.mark.idpool(bootstrap="broken.yaml")
        def test_broken_file(idpool):
            pass

        @pytest.mark.idpool(database="oracle")
        def test_unknown_database(idpool):
            pass

        @pytest.mark.idpool(bootsrap="idpool.yaml")
        def test_misspelt_option(idpool):
            pass

        def test_without_server():
            pass
        """)
    result = pytester.runpytest(*plugin_args())
    result.assert_outcomes(passed=1, errors=3)
    result.stdout.fnmatch_lines(["*BootstrapError: *broken.yaml: users[[]0[]].access_keys: 9 is greater than the maximum of 2*",
                                 "*idpool database: 'oracle' is not accepted; expected sqlite or memory*",
                                 "*idpool: unknown option bootsrap; expected account_id, bootstrap, database, *"])


@pytest.mark.slow
def test_with_xdist_each_worker_has_its_own_server(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_kit_workers="""
        import os, pytest

        @pytest.mark.parametrize("n", range(6))
        def test_record(idpool, n, tmp_path_factory):
            worker = os.environ["PYTEST_XDIST_WORKER"]
            out = tmp_path_factory.getbasetemp().parent.parent / f"{worker}-{n}"
            out.write_text(idpool.endpoint_url)
            assert idpool.client("sts").get_caller_identity()["Account"] == idpool.account_id
        """)
    result = pytester.runpytest_subprocess(*plugin_args(), "-n", "2")
    result.assert_outcomes(passed=6)
    seen: dict[str, set[str]] = {}
    for path in Path(pytester.path).parent.rglob("gw*-*"):
        seen.setdefault(path.name.split("-")[0], set()).add(path.read_text())
    assert sorted(seen) == ["gw0", "gw1"]
    assert all(len(urls) == 1 for urls in seen.values())
    assert seen["gw0"] != seen["gw1"]


@pytest.mark.slow
def test_a_subprocess_server_and_the_aws_cli(pytester: pytest.Pytester) -> None:
    aws = shutil.which("aws") or str(Path(sys.executable).parent / "aws")
    pytester.makepyfile(test_kit_cli=f"""
        import json, os, subprocess, pytest

        @pytest.mark.idpool(subprocess=True)
        def test_the_cli_talks_to_it(idpool, idpool_env):
            assert idpool.client("sts").get_caller_identity()["Account"] == idpool.account_id
            out = subprocess.run([{aws!r}, "cognito-identity", "create-identity-pool", "--identity-pool-name", "cli",
                                  "--no-allow-unauthenticated-identities"], capture_output=True, text=True, check=True)
            pool = json.loads(out.stdout)["IdentityPoolId"]
            assert idpool.client("cognito-identity").describe_identity_pool(IdentityPoolId=pool)["IdentityPoolName"] == "cli"
        """)
    pytester.runpytest(*plugin_args()).assert_outcomes(passed=1)
