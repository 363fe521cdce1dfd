"""Tests for analyzers/deploy/capistrano/values.py: variables resolved as fetch would, never run."""

from __future__ import annotations

from pathlib import Path

from analyzers.deploy.capistrano.config import Loaded, Reader
from analyzers.deploy.capistrano.values import Opaque, Vars, known
from migrator.repo import RepoView
from tests.conftest import write_tree


def _vars(tmp_path: Path, text: str, defaults: dict[str, object] | None = None) -> Vars:
    root = write_tree(tmp_path / "repo", {"config/deploy.rb": text})
    loaded = Loaded()
    Reader(RepoView(root), loaded).read("config/deploy.rb", ops_of="common")
    v = Vars(defaults)
    for op in loaded.ops["common"]:
        v.add(op)
    return v


def test_lambdas_interpolation_and_paths(tmp_path: Path) -> None:
    v = _vars(tmp_path, """\
        set :application, "shop"
        set :deploy_to, -> { "/var/www/#{fetch(:application)}_#{fetch(:stage)}" }
        set :puma_conf, lambda { File.join(shared_path, "puma.rb") }
        set :log, proc { "#{release_path}/log" }
        set :pidfile, -> { current_path.join("tmp/pids/x.pid") }
        """, {"stage": "production"})
    assert v.get("deploy_to") == "/var/www/shop_production"
    assert v.get("puma_conf") == "/var/www/shop_production/shared/puma.rb"
    assert v.get("log") == "/var/www/shop_production/current/log"
    assert v.get("pidfile") == "/var/www/shop_production/current/tmp/pids/x.pid"


def test_append_push_remove_and_set_if_empty(tmp_path: Path) -> None:
    v = _vars(tmp_path, """\
        set :linked_dirs, %w{log tmp/pids}
        append :linked_dirs, "storage", "vendor/bundle"
        set :linked_dirs, fetch(:linked_dirs, []).push("public/system")
        remove :linked_dirs, "vendor/bundle"
        set_if_empty :linked_dirs, ["ignored"]
        set :linked_files, fetch(:linked_files, []) + ["config/database.yml"]
        """)
    assert v.get("linked_dirs") == ["log", "tmp/pids", "storage", "public/system"]
    assert v.get("linked_files") == ["config/database.yml"]
    assert v.literal_lines("linked_dirs")["public/system"] == ("config/deploy.rb", 3)


def test_deploy_time_values_are_opaque_and_defaults_win(tmp_path: Path) -> None:
    v = _vars(tmp_path, """\
        set :branch, ENV["BRANCH"] || "main"
        set :tag, ENV.fetch("TAG", "latest")
        set :rev, `git rev-parse HEAD`.strip
        set :who, ENV["DEPLOYER"]
        set :loop, -> { fetch(:loop) }
        set :a, -> { fetch(:b) }
        set :b, -> { fetch(:a) }
        ask :stage_name, "blue"
        """)
    assert v.get("branch") == "main" and v.get("tag") == "latest"
    assert isinstance(v.get("rev"), Opaque) and v.get("who") == Opaque("DEPLOYER")
    assert known(v.get("loop")) is None and known(v.get("a")) is None  # cycles end, unresolved
    assert v.get("stage_name") == "blue"


def test_capistrano2_variables_are_bare_names(tmp_path: Path) -> None:
    v = _vars(tmp_path, """\
        set :application, "blog"
        set :deploy_to, "/u/apps/#{application}"
        set :shared, "#{shared_path}/config"
        """)
    assert v.get("deploy_to") == "/u/apps/blog" and v.get("shared") == "/u/apps/blog/shared/config"
    assert v.path("current_path") == "/u/apps/blog/current"


def test_ten_thousand_nested_arrays_do_not_exhaust_the_stack(tmp_path: Path) -> None:
    v = _vars(tmp_path, "set :deep, " + "[" * 10000 + "1" + "]" * 10000 + "\n")
    value = v.get("deep")
    depth = 0
    while isinstance(value, list) and value:
        value, depth = value[0], depth + 1
    assert depth < 100
