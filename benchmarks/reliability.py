"""Reliability figures: the probe families of issue 21, repeated from a seed, each trial run against moto's server
(started the way the tests start it) with the real clusterwiz command and the real Terraform. Prints, per family,
how many trials were tried and how many survived, then the totals the issue sets as goals.

  interrupts   `clusterwiz --json apply` as a terminal's foreground job (its own session and process group on a pty,
               tests/support/jobs.py), signalled at a random point of the apply (a uniform delay after the apply's
               Terraform starts): SIGINT and SIGTERM to the process group, SIGHUP by closing the terminal. Survived:
               no traceback, no Terraform left running once clusterwiz has exited, an exit that is not 0 (an
               interrupt is never reported as a plain success), the next apply converges with one head node and
               no instance or volume the state does not know, and destroy leaves nothing tagged with the cluster.
               (What clusterwiz says after a hang-up goes to the closed terminal: it is not read.)
  hostile      generated cluster specs (alias bombs, deep nesting, huge values and files, duplicate keys, bytes that
               are not UTF-8, truncated and mutated specs, tags AWS refuses, strings that break encoders) given to
               `clusterwiz render --config`. Survived: exit 0 or 2, no traceback, done within 30 s, at most 20 KB
               said.
  aws-faults   render through a loopback proxy in front of moto that answers one of render's AWS calls with AWS's
               own 500/503 (always, or the first tries only), or throttles it first; and render against a loopback
               socket that never answers. Survived: a lasting fault exits 2 naming AWS's side and "try again", a
               passing one is retried until render succeeds, a dead endpoint fails within 30 s naming the endpoint;
               never a traceback.

    python benchmarks/reliability.py [--seed 21] [--points 2] [--specs 60] [--faults 12] [--families ...]

The interrupt family takes about two minutes a trial (apply, re-apply, destroy against moto).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPOSITORY / "tui"), str(REPOSITORY)]

from tests.operations.test_interrupted_apply_moto import apply_has_started, head_nodes, untracked  # noqa: E402
from tests.operations.test_operations_moto import REGION, prepare_account  # noqa: E402
from tests.support.cli import clusterwiz  # noqa: E402
from tests.support.faults import FaultyProxy, silent_endpoint  # noqa: E402
from tests.support.jobs import TerminalJob, terraform_processes, wait_until_no_terraform  # noqa: E402
from tests.support.moto_server import reset_moto, running_moto_server  # noqa: E402
from tests.support.specs import FULL_CLUSTER_YAML  # noqa: E402
from tests.support.terraform_env import find_provider_mirror, use_moto_offline  # noqa: E402

from clusterwiz.core.aws.inventory import tagged_resources  # noqa: E402
from clusterwiz.core.aws.session import AwsSession  # noqa: E402
from clusterwiz.core.registry import Registry  # noqa: E402

FAMILIES = ("interrupts", "hostile", "aws-faults")
STOPS = ("SIGINT", "SIGTERM", "SIGHUP")
# The apply of the benchmark's cluster takes ~40 s against moto; a later signal finds it done.
LATEST_INTERRUPT_S = 35.0
HOSTILE_TIMEOUT_S = 30
MOST_SAID_BYTES = 20_000
DEAD_ENDPOINT_BOUND_S = 30
# What render asks AWS for, for a spec without a zone: either may meet the fault.
RENDER_CALLS = ("DescribeInstanceTypeOfferings", "DescribeAvailabilityZones")


@dataclass
class Family:
    name: str
    tried: int = 0
    survived: int = 0
    tracebacks: int = 0
    left_after_destroy: int = 0  # resources tagged with the cluster
    duplicate_heads: int = 0
    failures: list[str] = field(default_factory=list)

    def record(self, trial: str, problems: list[str], said: str, code: int | None = None) -> None:
        self.tried += 1
        self.tracebacks += "Traceback" in said
        if problems:
            self.failures.append(f"{trial}: {'; '.join(problems)}")
        else:
            self.survived += 1
        outcome = "survived" if not problems else "FAILED: " + "; ".join(problems)
        print(f"  {self.name:<10} {trial:<58} {outcome}{'' if code is None else f' (exit {code})'}", flush=True)


def cluster_spec(name: str, ami_id: str, zone: bool = True) -> str:
    """The foundation issue's full cluster with a new shared volume (the existing one left out)."""
    data = yaml.safe_load(FULL_CLUSTER_YAML)
    data.update(name=name, ami_id=ami_id, key_pair="lab")
    data["shared_storage"] = data["shared_storage"][:1]
    if not zone:
        del data["network"]["availability_zone"]
    return yaml.safe_dump(data, sort_keys=False)


# -- interrupts ---------------------------------------------------------------------------------------------------

def interrupts(family: Family, rng: random.Random, points: int, endpoint: str, scratch: Path) -> None:
    for stop in STOPS:
        for point in range(points):
            delay = rng.uniform(0.0, LATEST_INTERRUPT_S)
            interrupt_trial(family, f"{stop} at {delay:4.1f} s of apply (#{point + 1})", stop, delay, endpoint,
                            scratch / f"{stop}-{point}")


def interrupt_trial(family: Family, trial: str, stop: str, delay: float, endpoint: str, root: Path) -> None:
    reset_moto(endpoint)
    ami_id, _ = prepare_account()
    root.mkdir(parents=True)
    home, name = root / "home", "probe"
    config = root / "cluster.yaml"
    config.write_text(cluster_spec(name, ami_id))
    clusterwiz(home, "render", "--config", str(config))
    record = Registry(home).get(name)
    problems: list[str] = []
    with TerminalJob(home, "--json", "apply", "--yes", name) as job:
        job.wait_until(lambda: apply_has_started(record.log_file()), 300, "the apply's Terraform starting")
        time.sleep(delay)
        if job.process.poll() is not None:
            problems.append("the apply ended before the signal (a later point than the apply lasts)")
        elif stop == "SIGHUP":
            job.hang_up()
        else:
            job.signal(getattr(signal, stop))
        code = job.wait(900)
        said = job.output
    if code == 0 and not problems:
        problems.append("exit 0 after an interrupt")
    if terraform_processes(record.workdir):
        problems.append("Terraform still runs after clusterwiz exited")
        wait_until_no_terraform(record.workdir, timeout=600)
    again = clusterwiz(home, "apply", "--yes", name, check=False, timeout=900)
    said += again.stdout + again.stderr
    if again.returncode != 0:
        problems.append(f"re-apply exited {again.returncode}")
    lost, heads = untracked(home, name), head_nodes(name)
    if lost:
        problems.append(f"untracked after re-apply: {', '.join(lost)}")
    if len(heads) != 1:
        problems.append(f"{len(heads)} head nodes")
    gone = clusterwiz(home, "destroy", "--yes", name, check=False, timeout=900)
    said += gone.stdout + gone.stderr
    left = tagged_resources(AwsSession(region=REGION), REGION, name)
    if gone.returncode != 0 or left:
        problems.append(f"destroy exited {gone.returncode}, {len(left)} tagged left")
    family.left_after_destroy += len(left)
    family.duplicate_heads += max(0, len(heads) - 1)
    family.record(trial, problems, said, code)


# -- hostile specs --------------------------------------------------------------------------------------------------

def alias_bomb(rng: random.Random) -> str:
    width, depth = rng.randint(5, 12), rng.randint(6, 10)
    lines = [f"a0: &a0 [{', '.join(['x'] * width)}]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, depth)]
    return "\n".join([*lines, f"name: *a{depth - 1}"]) + "\n"


def deep_nesting(rng: random.Random) -> str:
    depth = rng.choice([40, 500, 5000, 50_000])
    opening, closing = rng.choice([("[", "]"), ("{a: ", "}")])
    return f"name: {opening * depth}{closing * depth}\n"


def huge_value(rng: random.Random) -> str:
    return f"name: demo\nregion: {'x' * rng.choice([200_000, 1_100_000, 10_000_000])}\n"


def duplicate_key(rng: random.Random, base: dict) -> str:
    key = rng.choice(list(base))
    return yaml.safe_dump(base, sort_keys=False) + f"{key}: {json.dumps(str(base[key]))}\n"


def not_utf8(rng: random.Random) -> bytes:
    return b"name: demo\nregion: " + bytes(rng.randrange(128, 256) for _ in range(rng.randint(1, 64))) + b"\n"


def truncated(rng: random.Random, base: dict) -> str:
    text = yaml.safe_dump(base, sort_keys=False)
    return text[:rng.randrange(1, len(text))]


# Values that have broken encoders, validators and messages before: quotes, template syntax, control and
# line-separator characters, lone surrogates, huge and negative numbers, wrong shapes, YAML's own tags.
HOSTILE_VALUES = ['a"b', "${x}", "%{x}", "a\\b", "a\r\nb", "a\x85b", "a\u2028b", " a ", "", "\x00", "\ud800",
                  "é" * 300, "x" * 5000, -1, 0, 2 ** 64, 1e309, True, None, [], {}, [1, [2, [3]]], {"a": {"b": "c"}},
                  "!!python/object/apply:os.system ['true']", "*undefined"]


def mutated(rng: random.Random, base: dict) -> str:
    """A valid spec with one value, anywhere in it, replaced by a hostile one."""
    data = json.loads(json.dumps(base))
    holder, key = data, rng.choice(list(data))
    while isinstance(holder[key], dict | list) and holder[key] and rng.random() < 0.7:
        holder = holder[key]
        key = rng.randrange(len(holder)) if isinstance(holder, list) else rng.choice(list(holder))
    holder[key] = rng.choice(HOSTILE_VALUES)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=rng.random() < 0.5)


def hostile_tags(rng: random.Random, base: dict) -> str:
    data = json.loads(json.dumps(base))
    kind = rng.choice(["keys", "count", "long", "reserved"])
    if kind == "keys":
        data["tags"] = {rng.choice(['a"b', "${x}", "a,b", "a\nb", "<x>", "a;b", "é", " ", "a=b"]): "v"}
    elif kind == "count":
        data["tags"] = {f"k{i}": "v" for i in range(rng.randint(45, 60))}
    elif kind == "long":
        data["tags"] = {"k" * rng.choice([127, 128, 129, 300]): "v" * rng.choice([255, 256, 257, 1000])}
    else:
        data["tags"] = {rng.choice(["aws:x", "clusterwiz:cluster", "AWS:x", "Name"]): "v"}
    return yaml.safe_dump(data, sort_keys=False)


def yaml_tags(rng: random.Random) -> str:
    return rng.choice(["name: !!python/object/apply:os.system ['true']\n", "name: !!binary aGVsbG8=\n",
                       "name: &a [*a]\n", "name: !custom x\n", "? [a, b]\n: c\n", "name: demo\n<<: *nothing\n",
                       "- a\n- b\n", "42\n", "", "\ufeffname: demo\n"])


def hostile(family: Family, rng: random.Random, count: int, ami_id: str, scratch: Path) -> None:
    scratch.mkdir(parents=True)
    base = yaml.safe_load(cluster_spec("hostile", ami_id, zone=False))
    makers: list[tuple[str, Callable[[], str | bytes]]] = [
        ("alias bomb", lambda: alias_bomb(rng)), ("deep nesting", lambda: deep_nesting(rng)),
        ("huge value", lambda: huge_value(rng)), ("duplicate key", lambda: duplicate_key(rng, base)),
        ("not UTF-8", lambda: not_utf8(rng)), ("truncated spec", lambda: truncated(rng, base)),
        ("mutated value", lambda: mutated(rng, base)), ("tags AWS refuses", lambda: hostile_tags(rng, base)),
        ("YAML tags and shapes", lambda: yaml_tags(rng)),
    ]
    for number in range(count):
        kind, make = makers[number % len(makers)] if number < len(makers) else rng.choice(makers)
        content = make()
        path = scratch / f"hostile-{number}.yaml"
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
        hostile_trial(family, f"{kind} #{number + 1}", path, scratch / f"home-{number}")


def hostile_trial(family: Family, trial: str, config: Path, home: Path) -> None:
    problems = []
    started = time.monotonic()
    try:
        result = clusterwiz(home, "render", "--config", str(config), check=False, timeout=HOSTILE_TIMEOUT_S)
    except Exception as error:  # subprocess.TimeoutExpired: the command hung
        family.record(trial, [f"no answer within {HOSTILE_TIMEOUT_S} s ({type(error).__name__})"], "")
        return
    said = result.stdout + result.stderr
    if result.returncode not in (0, 2):
        problems.append(f"exit {result.returncode}")
    if "Traceback" in said:
        problems.append("traceback")
    if len(said.encode()) > MOST_SAID_BYTES:
        problems.append(f"said {len(said.encode())} bytes")
    if time.monotonic() - started > HOSTILE_TIMEOUT_S:
        problems.append("too slow")
    family.record(trial, problems, said, result.returncode)


# -- AWS faults ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Fault:
    code: str
    lasting: bool  # every try fails; else the first `first_tries` only
    first_tries: int = 0

    @property
    def throttle(self) -> bool:
        return self.code in ("RequestLimitExceeded", "Throttling")


FAULTS = (Fault("InternalError", True), Fault("InternalFailure", True), Fault("ServiceUnavailable", True),
          Fault("InternalError", False, 2), Fault("ServiceUnavailable", False, 1),
          Fault("RequestLimitExceeded", False, 3))


def aws_faults(family: Family, rng: random.Random, count: int, endpoint: str, scratch: Path) -> None:
    for number in range(count):
        root = scratch / f"fault-{number}"
        root.mkdir(parents=True)
        reset_moto(endpoint)
        ami_id, _ = prepare_account()
        config = root / "cluster.yaml"
        config.write_text(cluster_spec("faulty", ami_id, zone=False))
        if number % 6 == 5:
            dead_endpoint_trial(family, f"dead endpoint #{number + 1}", config, root / "home")
            continue
        fault, call = rng.choice(FAULTS), rng.choice(RENDER_CALLS)
        what = f"{fault.code} {'always' if fault.lasting else f'x{fault.first_tries}'} on {call}"
        fault_trial(family, f"{what} #{number + 1}", fault, call, endpoint, config, root / "home")


def fault_trial(family: Family, trial: str, fault: Fault, call: str, endpoint: str, config: Path,
                home: Path) -> None:
    def fails(action: str) -> bool:
        return action == call and (fault.lasting or proxy.tried[action] <= fault.first_tries)

    with FaultyProxy(endpoint, fails, code=fault.code) as proxy:
        result = clusterwiz(home, "render", "--config", str(config), check=False,
                            env={"AWS_ENDPOINT_URL": proxy.url}, timeout=300)
    said = result.stdout + result.stderr
    flat = " ".join(said.split())
    problems = ["traceback"] if "Traceback" in said else []
    if fault.lasting:
        if result.returncode != 2:
            problems.append(f"exit {result.returncode}")
        if "AWS had an internal error" not in flat or "Try again in a minute" not in flat:
            problems.append("the message does not say AWS had an internal error and to try again")
        if Registry(home).names():
            problems.append("registered a cluster that did not render")
    elif result.returncode != 0:
        problems.append(f"a passing {fault.code} was not retried through: exit {result.returncode}")
    family.record(trial, problems, said, result.returncode)


def dead_endpoint_trial(family: Family, trial: str, config: Path, home: Path) -> None:
    with silent_endpoint() as dead:
        started = time.monotonic()
        result = clusterwiz(home, "render", "--config", str(config), check=False, env={"AWS_ENDPOINT_URL": dead},
                            timeout=300)
        took = time.monotonic() - started
    said = result.stdout + result.stderr
    flat = " ".join(said.split())
    problems = ["traceback"] if "Traceback" in said else []
    if result.returncode != 2:
        problems.append(f"exit {result.returncode}")
    if took > DEAD_ENDPOINT_BOUND_S:
        problems.append(f"took {took:.0f} s")
    if f"the AWS endpoint {dead}/ did not answer" not in flat or "waiting for AWS" not in flat:
        problems.append("the endpoint, or what it waited for, is not named")
    family.record(f"{trial} ({took:.0f} s)", problems, said, result.returncode)


# -- the run -------------------------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--points", type=int, default=2, help="random interrupt points per signal")
    parser.add_argument("--specs", type=int, default=60, help="hostile specs generated")
    parser.add_argument("--faults", type=int, default=12, help="AWS fault runs (every sixth a dead endpoint)")
    parser.add_argument("--families", nargs="+", choices=FAMILIES, default=list(FAMILIES))
    options = parser.parse_args()
    mirror = find_provider_mirror()
    if mirror is None or shutil.which("terraform") is None:
        sys.exit("needs terraform on PATH and an AWS provider mirror (set CLUSTERWIZ_TF_PLUGIN_MIRROR)")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    print(f"$ python benchmarks/reliability.py --seed {options.seed} --points {options.points} --specs "
          f"{options.specs} --faults {options.faults} --families {' '.join(options.families)}", flush=True)
    rng = random.Random(options.seed)
    families = {name: Family(name) for name in options.families}
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch, running_moto_server() as endpoint:
        root = Path(scratch)
        use_moto_offline(root, endpoint, mirror)
        os.environ["CLUSTERWIZ_TF_PLUGIN_MIRROR"] = str(mirror)
        os.environ.setdefault("CHECKPOINT_DISABLE", "1")
        if "hostile" in families:
            reset_moto(endpoint)
            ami_id, _ = prepare_account()
            hostile(families["hostile"], rng, options.specs, ami_id, root / "hostile")
        if "aws-faults" in families:
            aws_faults(families["aws-faults"], rng, options.faults, endpoint, root / "faults")
        if "interrupts" in families:
            interrupts(families["interrupts"], rng, options.points, endpoint, root / "interrupts")
    print(f"\nseed {options.seed}, {time.monotonic() - began:.0f} s")
    print(f"{'family':<12} {'tried':>5} {'survived':>8}")
    for family in families.values():
        print(f"{family.name:<12} {family.tried:>5} {family.survived:>8}")
    print(f"tracebacks: {sum(family.tracebacks for family in families.values())}")
    if "interrupts" in families:
        print(f"resources tagged with the cluster after destroy: {families['interrupts'].left_after_destroy}; "
              f"duplicate head nodes: {families['interrupts'].duplicate_heads}")
    for family in families.values():
        for failure in family.failures:
            print(f"FAILED {family.name}: {failure}")
    return 0 if all(family.survived == family.tried for family in families.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
