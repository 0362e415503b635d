"""python-terraform 0.10.1's gaps, each shown against the real terraform binary, and our adapter's fix."""

from __future__ import annotations

import python_terraform

from tests.runner.conftest import QUICK_CONFIG


def test_its_destroy_sends_force_which_terraform_rejects_so_ours_plans_a_destroy_and_applies_it(make_runner,
                                                                                                 workdir):
    runner = make_runner(QUICK_CONFIG)
    runner.init()
    runner.apply(runner.plan())

    code, _, err = python_terraform.Terraform(working_dir=str(workdir)).destroy()
    assert code != 0 and "-force" in err

    result = runner.destroy()
    assert result.summary is not None and result.summary.remove == 2


def test_its_asynchronous_mode_passes_a_bogus_flag_so_ours_streams_its_own_process(make_runner, workdir):
    make_runner(QUICK_CONFIG).init()
    process, _, _ = python_terraform.Terraform(working_dir=str(workdir)).cmd("plan", synchronous=False)
    _, err = process.communicate()

    assert process.returncode != 0
    assert b"-synchronous" in err
    # Ours streams while Terraform runs (see test_interrupt.py) and never passes such a flag.
    runner = make_runner()
    runner.plan()
    assert "-synchronous" not in runner.log_file.read_text()


def test_its_plan_exits_2_for_changes_which_ours_reports_as_changes_not_failure(make_runner, workdir):
    runner = make_runner(QUICK_CONFIG)
    runner.init()

    code, _, _ = python_terraform.Terraform(working_dir=str(workdir)).plan()
    assert code == 2

    assert runner.plan().has_changes is True


def test_its_default_options_add_an_empty_var_file_in_tmp_which_ours_never_passes(make_runner):
    wrapper = python_terraform.Terraform()
    argv = wrapper.generate_cmd_string("init", **wrapper._generate_default_options({}))
    wrapper.temp_var_files.clean_up()
    assert any(arg.startswith("-var-file=") for arg in argv)

    runner = make_runner(QUICK_CONFIG)
    runner.init()
    assert "-var-file" not in runner.log_file.read_text()
