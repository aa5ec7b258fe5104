"""The local player's corrections of scorm-again's sequencing (runtime-2004.js, fixSequencing),
each pinned on a small manifest in a blank page: no server, no database, no ADL content.

Each test is the smallest package that shows one rule of the SN book where scorm-again 3.4.3
departs from it, modelled on the ADL LMS conformance case named in its docstring
(tests/e2e/test_adl_conformance.py plays the cases themselves when ADL's content is present).
The manifest goes through the real intake (``parse_manifest``), the run-time is the player's own
``LmsPlayer.Runtime2004`` on scorm-again's bundle, and the SCO is played by calls on its API.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from tests.e2e.runtime_2004 import cluster, leaf, manifest, settle, start_runtime

# The player's surroundings, as launcher.js gives them, reduced to a record of what it does.
ENV_JS = """
window.delivered = [];
window.startRuntime = function (config) {
  var env = {
    queue: { flushed: function () { return Promise.resolve(); }, commit: function () {}, beacon: function () {} },
    ui: { render: function (state) { window.rendered = state; } },
    frame: { show: function () {}, unload: function (done) { done(); }, discard: function () {} },
    say: function () {},
    post: function () { return Promise.resolve({ data: {} }); },
    contentUrl: function (href) { return href; },
    exit: function () { window.delivered.push("(end)"); }
  };
  var runtime = new LmsPlayer.Runtime2004(config, env);
  var deliver = runtime.deliver;
  runtime.deliver = function (id) {
    window.delivered.push(id);
    return deliver.apply(this, arguments);
  };
  window.runtime = runtime;
  runtime.start();
};
// One delivery of a SCO: Initialize, the SetValue calls, its navigation request, Terminate.
window.playSco = function (calls, request) {
  var api = window.API_1484_11;
  var answers = [api.Initialize("")];
  calls.forEach(function (call) {
    var answer = call.length === 1 ? api.GetValue(call[0]) : api.SetValue(call[0], call[1]);
    answers.push(answer + " (" + api.GetLastError() + ")");
  });
  if (request) api.SetValue("adl.nav.request", request);
  answers.push(api.Terminate(""));
  return answers;
};
"""

FLOW = '<imsss:controlMode choice="false" flow="true"/>'
CHOICE_AND_FLOW = '<imsss:controlMode choice="true" flow="true"/>'


def rule(kind: str, condition: str, action: str, *, operator: str = "", objective: str = "") -> str:
    attributes = f'condition="{condition}"'
    if operator:
        attributes += f' operator="{operator}"'
    if objective:
        attributes += f' referencedObjective="{objective}"'
    return (
        f"<imsss:sequencingRules><imsss:{kind}><imsss:ruleConditions>"
        f"<imsss:ruleCondition {attributes}/></imsss:ruleConditions>"
        f'<imsss:ruleAction action="{action}"/></imsss:{kind}></imsss:sequencingRules>'
    )


def primary_map(target: str, **flags: str) -> str:
    """A primary objective PRIMARYOBJ mapped to global ``target`` with adlseq's map flags."""
    attributes = " ".join(f'{name}="{value}"' for name, value in flags.items())
    return (
        '<imsss:objectives><imsss:primaryObjective objectiveID="PRIMARYOBJ"/></imsss:objectives>'
        '<adlseq:objectives><adlseq:objective objectiveID="PRIMARYOBJ">'
        f'<adlseq:mapInfo targetObjectiveID="{target}" {attributes}/>'
        "</adlseq:objective></adlseq:objectives>"
    )


def by_measure(minimum: str) -> str:
    return f'<adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="{minimum}"/>'


class Player:
    """The player's run-time on ``package`` in ``page``, a SCO at a time."""

    def __init__(self, page: Page, package: bytes, *, objectives_global: bool = True) -> None:
        self.page = page
        start_runtime(page, package, ENV_JS, objectives_global=objectives_global)

    def settle(self) -> None:
        settle(self.page)

    def choose(self, target: str) -> None:
        self.page.evaluate("(target) => runtime.navigate('choice', target)", target)
        self.settle()

    def sco(self, *calls: tuple[str, ...], request: str = "") -> list[str]:
        answers = self.page.evaluate(
            "([calls, request]) => playSco(calls, request)", [calls, request]
        )
        self.settle()
        return answers

    @property
    def delivered(self) -> list[str]:
        return self.page.evaluate("() => window.delivered")

    def activity(self, name: str, expression: str) -> Any:
        return self.page.evaluate(
            f"(name) => {{ const a = API_1484_11._sequencing.activityTree.getActivity(name); "
            f"return {expression}; }}",
            name,
        )

    def global_objective(self, name: str) -> dict[str, Any] | None:
        return self.page.evaluate(
            "(name) => { const entry = API_1484_11._sequencing.overallSequencingProcess"
            ".getGlobalObjectiveMap().get(name); return entry ? Object.assign({}, entry) : null; }",
            name,
        )


def test_an_unknown_completion_by_measure_writes_nothing_to_its_global_objective(page: Page):
    """CO-04c. End Attempt (UP.4) and the write maps (SN 3.10.3): a completed-by-measure
    activity without a measure has an unknown completion, whatever cmi.completion_status says;
    its global objective stays unknown, and an activity skipped "if not activity progress known"
    through it is skipped."""
    write = primary_map("g", writeCompletionStatus="true", writeProgressMeasure="true")
    skip = rule("preConditionRule", "activityProgressKnown", "skip", operator="not")
    player = Player(
        page,
        manifest(
            leaf("a1", write, by_measure("0.0")) + leaf("a2", skip + primary_map("g")) + leaf("a3"),
            sequencing=FLOW,
        ),
    )
    player.sco(("cmi.completion_status", "completed"), request="continue")
    assert player.delivered == ["a1", "a3"]
    assert player.global_objective("g")["completionStatusKnown"] is False


def test_a_primary_objectives_progress_measure_completes_by_measure(page: Page):
    """CO-10. A completed-by-measure activity is judged by its primary objective's progress
    measure when its SCO gives one only there (cmi.objectives.n.progress_measure), and
    cmi.progress_measure is what the primary objective writes to its global objective."""
    write = primary_map("g", writeCompletionStatus="true", writeProgressMeasure="true")
    player = Player(
        page,
        manifest(
            leaf("a1", write, by_measure("0.15")) + leaf("a2", write) + leaf("a3"),
            sequencing=FLOW,
        ),
    )
    player.sco(
        ("cmi.objectives.0.id", "PRIMARYOBJ"),
        ("cmi.objectives.0.progress_measure", "0.3"),
        request="continue",
    )
    assert player.activity("a1", "a.completionStatus") == "completed"
    entry = player.global_objective("g")
    assert (entry["completionStatus"], entry["progressMeasure"]) == ("completed", 0.3)
    # a2 reads 0.3 through its objective, and reports 0.39 through cmi.progress_measure.
    player.sco(("cmi.progress_measure", "0.39"), request="continue")
    assert player.global_objective("g")["progressMeasure"] == 0.39


def test_cmi_completion_status_wins_over_the_primary_objectives_entry(page: Page):
    """CO-13a. cmi.completion_status "unknown" with "completed" on the primary objective's
    cmi.objectives entry: the activity's completion is the former, and its global objective
    stays unknown."""
    skip = rule(
        "preConditionRule", "activityProgressKnown", "skip", operator="not", objective="PRIMARYOBJ"
    )
    player = Player(
        page,
        manifest(
            leaf("a1", primary_map("g", writeCompletionStatus="true"))
            + leaf("a2", skip + primary_map("g"))
            + leaf("a3"),
            sequencing=FLOW,
        ),
    )
    player.sco(
        ("cmi.completion_status", "unknown"),
        ("cmi.objectives.0.id", "PRIMARYOBJ"),
        ("cmi.objectives.0.completion_status", "completed"),
        request="continue",
    )
    assert player.delivered == ["a1", "a3"]


def test_not_attempted_reported_by_the_sco_is_not_completed(page: Page):
    """SX-06. cmi.completion_status "not attempted" is a known progress, not completed: the
    post-condition "if not completed, retry" retries the activity."""
    retry = rule("postConditionRule", "completed", "retry", operator="not")
    player = Player(page, manifest(leaf("a1", retry) + leaf("a2"), sequencing=FLOW))
    player.sco(("cmi.completion_status", "not attempted"), request="continue")
    player.sco(("cmi.completion_status", "completed"), request="continue")
    assert player.delivered == ["a1", "a1", "a2"]


def test_an_abandoned_attempt_counts_nothing_its_sco_reported(page: Page):
    """SX-04b. Abandon ends the attempt without the End Attempt Process (TB.2.3): what the SCO
    reported (rolled up as it arrived) is undone, so a skip "if satisfied" does not skip the
    activity when the course is chosen again."""
    skip = rule("preConditionRule", "satisfied", "skip")
    player = Player(page, manifest(leaf("a1", skip) + leaf("a2"), sequencing=CHOICE_AND_FLOW))
    player.sco(("cmi.success_status", "passed"), request="abandon")
    assert player.activity("a1", "a.successStatus") == "unknown"
    player.choose("ORG")
    assert player.delivered == ["a1", "a1"]


def test_a_cluster_rolls_up_the_completion_its_children_read(page: Page):
    """CO-03. Rollup Rule Check (RB.1.4): a leaf completed by measure is completed when the
    progress measure it reads from a global objective reaches its minimum, so "satisfied if all
    children completed" holds for its cluster, which is then skipped "if satisfied"."""
    all_completed = (
        '<imsss:rollupRules><imsss:rollupRule childActivitySet="all"><imsss:rollupConditions>'
        '<imsss:rollupCondition condition="completed"/></imsss:rollupConditions>'
        '<imsss:rollupAction action="satisfied"/></imsss:rollupRule></imsss:rollupRules>'
    )
    player = Player(
        page,
        manifest(
            leaf("a1", primary_map("g", writeProgressMeasure="true", readProgressMeasure="false"))
            + cluster(
                "c",
                leaf("a2", primary_map("g"), by_measure("0.5")),
                FLOW + rule("preConditionRule", "satisfied", "skip") + all_completed,
            )
            + leaf("a3"),
            sequencing=FLOW,
        ),
    )
    player.sco(("cmi.progress_measure", "0.55"), request="continue")
    assert player.delivered == ["a1", "a3"]


def test_a_cluster_completed_by_measure_judges_the_measure_it_reads(page: Page):
    """CO-12d. Activity Progress Rollup Using Measure (RB.1.3a): a cluster completed by measure
    whose primary objective reads a progress measure from a global objective is judged by it,
    not by its children's mean: 0.95 >= 0.7 completes it, and it is not retried."""
    # Its children are satisfied when their attempts end: the exit rule ends the cluster's
    # attempt, and its post-condition rules apply then (TB.2.3).
    exit_and_retry = (
        "<imsss:sequencingRules><imsss:exitConditionRule><imsss:ruleConditions>"
        '<imsss:ruleCondition condition="satisfied"/></imsss:ruleConditions>'
        '<imsss:ruleAction action="exit"/></imsss:exitConditionRule>'
        "<imsss:postConditionRule><imsss:ruleConditions>"
        '<imsss:ruleCondition condition="completed" operator="not"/></imsss:ruleConditions>'
        '<imsss:ruleAction action="retry"/></imsss:postConditionRule></imsss:sequencingRules>'
    )
    player = Player(
        page,
        manifest(
            cluster(
                "c",
                leaf(
                    "a1", primary_map("g", writeProgressMeasure="true", readProgressMeasure="false")
                )
                + leaf("a2"),
                FLOW + exit_and_retry + primary_map("g"),
                by_measure("0.7"),
            )
            + leaf("a3"),
            sequencing=FLOW,
        ),
    )
    player.sco(("cmi.progress_measure", "0.05"), request="continue")
    player.sco(request="continue")  # a2; c reads 0.05: not completed, retried
    player.sco(("cmi.progress_measure", "0.95"), request="continue")
    player.sco(request="continue")  # a2; c reads 0.95 (a mean of 0.475 with a2)
    assert player.delivered == ["a1", "a2", "a1", "a2", "a3"]


def test_retrying_the_root_forgets_global_objectives_not_global_to_the_system(page: Page):
    """RU-13d. objectivesGlobalToSystem="false": the global objectives belong to one experience
    of the organisation, which a retry of the root ends; a skip "if attempted and the objective
    is not known" then skips the attempted cluster."""
    objective = (
        '<imsss:objectives><imsss:primaryObjective/><imsss:objective objectiveID="obj1">'
        '<imsss:mapInfo targetObjectiveID="g" writeSatisfiedStatus="true"/></imsss:objective>'
        "</imsss:objectives>"
    )
    skip = (
        '<imsss:sequencingRules><imsss:preConditionRule><imsss:ruleConditions conditionCombination="all">'
        '<imsss:ruleCondition condition="attempted"/>'
        '<imsss:ruleCondition referencedObjective="obj1" operator="not" condition="objectiveStatusKnown"/>'
        '</imsss:ruleConditions><imsss:ruleAction action="skip"/></imsss:preConditionRule>'
        "</imsss:sequencingRules>"
    )
    root = (
        FLOW
        + rule("postConditionRule", "satisfied", "retry", operator="not")
        + '<imsss:objectives><imsss:primaryObjective objectiveID="P">'
        '<imsss:mapInfo targetObjectiveID="g"/></imsss:primaryObjective></imsss:objectives>'
    )
    package = manifest(
        cluster(
            "c",
            leaf("a1", objective),
            FLOW + skip + objective.replace('writeSatisfiedStatus="true"', ""),
        )
        + leaf("a2", rule("postConditionRule", "always", "exitParent")),
        sequencing=root,
        attributes='adlseq:objectivesGlobalToSystem="false"',
    )
    player = Player(page, package, objectives_global=False)
    player.sco(
        ("cmi.objectives.0.id", "obj1"),
        ("cmi.objectives.0.success_status", "failed"),
        request="continue",
    )
    player.sco(request="continue")  # a2 exits the root, which reads "failed": retried
    assert player.delivered == ["a1", "a2", "a2"]


def test_a_chosen_cluster_is_entered_by_flow_with_its_skip_rules(page: Page):
    """CM-04c. Choice (SB.2.9): the target passes the Check Activity Process (UP.5), where a
    skip rule has no part, and a chosen cluster is entered by the Flow Subprocess, which skips
    what its skip rules skip."""
    skip = rule("preConditionRule", "attempted", "skip")
    player = Player(
        page,
        manifest(
            cluster(
                "outer",
                cluster("inner", leaf("a1") + leaf("a2"), CHOICE_AND_FLOW + skip) + leaf("a3"),
                CHOICE_AND_FLOW,
            )
            + leaf("a4"),
            sequencing=CHOICE_AND_FLOW,
        ),
    )
    player.sco(request="{target=inner}choice")  # inner is attempted, and chosen all the same
    player.sco(request="{target=outer}choice")  # flow into outer skips inner
    assert player.delivered == ["a1", "a1", "a3"]


def test_a_shared_data_store_written_empty_reads_as_not_initialised(page: Page):
    """DDM. adl.data: a store written with "" holds nothing, and the next SCO mapped to it reads
    it as not initialised (403), as before anything was written."""
    data = '<adlcp:data><adlcp:map targetID="store"/></adlcp:data>'
    player = Player(
        page,
        manifest(
            leaf("a1", extra=data) + leaf("a2", extra=data) + leaf("a3", extra=data),
            sequencing=FLOW,
        ),
    )
    player.sco(("adl.data.0.store", "kept"), request="continue")
    assert player.sco(("adl.data.0.store",), ("adl.data.0.store", ""), request="continue")[1:3] == [
        "kept (0)",
        "true (0)",
    ]
    assert player.sco(("adl.data.0.store",), request="continue")[1] == " (403)"


def test_an_attempted_cluster_counts_for_its_parents_completion_if_attempted(page: Page):
    """T-01b. Check Child for Rollup (RB.1.4.2): "ifAttempted" includes a child whose Activity
    Progress Status is known, a cluster whose completion its rollup knows included; its module
    is then completed (its other child, not attempted, left out) and exits "if completed"."""
    if_attempted = '<adlseq:rollupConsiderations requiredForCompleted="ifAttempted"/>'
    exit_if_completed = (
        "<imsss:sequencingRules><imsss:exitConditionRule><imsss:ruleConditions>"
        '<imsss:ruleCondition condition="completed"/></imsss:ruleConditions>'
        '<imsss:ruleAction action="exit"/></imsss:exitConditionRule></imsss:sequencingRules>'
    )
    player = Player(
        page,
        manifest(
            cluster(
                "module",
                cluster("pretest", leaf("a1"), FLOW + if_attempted) + leaf("a2", if_attempted),
                FLOW + exit_if_completed,
            )
            + leaf("a3"),
            sequencing=FLOW,
        ),
    )
    player.sco(request="continue")
    assert player.delivered == ["a1", "a3"]


def test_previous_into_a_forward_only_cluster_whose_children_skip_goes_on_backward(page: Page):
    """CM-03b. Flow Tree Traversal (SB.2.1): backward into a forwardOnly cluster enters it at its
    first child, forward; when everything in it is skipped, the traversal turns backward again
    from the cluster, to the activity before it."""
    skip = (
        "<imsss:sequencingRules><imsss:preConditionRule><imsss:ruleConditions>"
        '<imsss:ruleCondition condition="attempted"/>'
        '<imsss:ruleCondition operator="not" condition="completed"/>'
        '</imsss:ruleConditions><imsss:ruleAction action="skip"/></imsss:preConditionRule>'
        "</imsss:sequencingRules>"
    )
    forward_only = '<imsss:controlMode choice="false" flow="true" forwardOnly="true"/>'
    player = Player(
        page,
        manifest(
            leaf("a1") + cluster("c", leaf("b1", skip), forward_only) + leaf("a2"),
            sequencing=FLOW,
        ),
    )
    player.sco(request="continue")
    player.sco(("cmi.completion_status", "incomplete"), request="continue")
    player.sco(request="previous")
    assert player.delivered == ["a1", "b1", "a2", "a1"]


def test_previous_is_refused_by_its_own_clusters_forward_only_not_by_a_higher_one(page: Page):
    """CM-07e's Activity 6. Previous is a navigation request for the Forward Only of the current
    activity's parent only (NB.2.1 step 7.1): inside a cluster that flows backward, under a
    forwardOnly one, Previous goes to the sibling before; from the cluster's first child, the
    backward traversal would leave the cluster in the forwardOnly one's children, and is refused
    (SB.2.1). 3.4.3 refuses it when any ancestor is Forward Only."""
    forward_only = '<imsss:controlMode flow="true" forwardOnly="true"/>'
    player = Player(
        page,
        manifest(
            cluster(
                "outer", leaf("a1") + cluster("inner", leaf("b1") + leaf("b2"), FLOW), forward_only
            ),
            sequencing=FLOW,
        ),
    )
    player.sco(request="continue")
    player.sco(request="continue")
    assert player.page.evaluate("() => window.rendered.canPrevious") is True
    player.sco(request="previous")
    assert player.delivered == ["a1", "b1", "b2", "b1"]
    assert player.page.evaluate("() => window.rendered.canPrevious") is False
    player.sco(request="previous")  # refused: b1 stays, and is not delivered again
    assert player.delivered == ["a1", "b1", "b2", "b1"]


def test_constrain_choice_limits_only_choices_out_of_the_constrained_cluster(page: Page):
    """CM-16. Constrain Choice (SB.2.9, as ADL's sequencer applies it): a constrained cluster
    limits the choices that leave it, to the activity next to (or before) it; choices among its
    own children are free, forward and backward."""
    constrained = '<adlseq:constrainedChoiceConsiderations constrainChoice="true"/>'
    player = Player(page, manifest(leaf("a1") + leaf("a2") + leaf("a3"), sequencing=constrained))
    player.choose("a2")
    player.sco(request="{target=a3}choice")
    player.sco(request="{target=a1}choice")
    assert player.delivered == ["a2", "a3", "a1"]


def test_prevent_activation_does_not_stop_a_choice_beside_the_current_activity(page: Page):
    """CM-17a. Prevent Activation (SB.2.9): a choice may not start an attempt on an inactive
    cluster that prevents activation on the target's path below the common ancestor; a cluster
    beside the current activity, in the active cluster, is chosen and flowed into."""
    prevent = CHOICE_AND_FLOW + '<adlseq:constrainedChoiceConsiderations preventActivation="true"/>'
    player = Player(
        page,
        manifest(
            cluster("c", leaf("a1") + cluster("inner", leaf("b1"), prevent), prevent) + leaf("a2"),
            sequencing=CHOICE_AND_FLOW,
        ),
    )
    player.sco(request="{target=inner}choice")
    assert player.delivered == ["a1", "b1"]


def test_previous_is_offered_only_when_its_backward_flow_delivers(page: Page):
    """CM-04b. Previous (SB.2.8) is offered when its backward flow (SB.2.3) finds an activity to
    deliver: the activity before this one is in a cluster whose flow is off, so it is not."""
    choice_only = '<imsss:controlMode choice="true" flow="false"/>'
    player = Player(
        page,
        manifest(
            cluster("c", leaf("b1"), choice_only) + leaf("a1") + leaf("a2"),
            sequencing=CHOICE_AND_FLOW,
        ),
    )
    player.choose("a1")
    assert player.page.evaluate("() => window.rendered.canPrevious") is False
    player.sco(request="continue")
    assert player.delivered == ["a1", "a2"]
    assert player.page.evaluate("() => window.rendered.canPrevious") is True


def test_an_active_activity_without_choice_exit_offers_no_choice_out_of_it(page: Page):
    """CM-07a. Choice Exit (SN 3.2.1): while an activity whose choiceExit is false is active, no
    choice may leave it, and the table of contents offers nothing outside it, nor itself."""
    no_exit = '<imsss:controlMode choiceExit="false"/>'
    player = Player(
        page, manifest(leaf("a1") + leaf("a2", no_exit) + leaf("a3"), sequencing=CHOICE_AND_FLOW)
    )
    assert player.page.evaluate("() => window.rendered.enabled")["a3"] is True
    player.sco(request="continue")
    player.page.evaluate("() => API_1484_11.Initialize('')")
    player.page.evaluate("() => window.runtime.render()")
    enabled = player.page.evaluate("() => window.rendered.enabled")
    assert not any(enabled.values()), enabled


def test_the_contents_offer_what_a_choice_would_deliver_from_the_current_activity(page: Page):
    """CM-07c, CM-07f. The table of contents enables the activities a choice made now would
    deliver (NB.2.1, then SB.2.9 with its Choice Activity Traversal Subprocess and DB.1.1, as
    after the current attempt's end), asked again once each delivered activity is current, and
    adl.nav.request_valid.choice answers the SCO the same: a Stop Forward Traversal rule on the
    current activity blocks the choices past it, not a choice of itself, and an activity whose
    one attempt is used is not offered."""
    stop = rule("preConditionRule", "always", "stopForwardTraversal")
    once = '<imsss:limitConditions attemptLimit="1"/>'
    player = Player(
        page,
        manifest(leaf("a1", stop) + leaf("a2", once) + leaf("a3"), sequencing=CHOICE_AND_FLOW),
    )
    names = ("a1", "a2", "a3")
    asked = [(f"adl.nav.request_valid.choice.{{target={name}}}",) for name in names]

    def offered() -> list[bool]:
        enabled = player.page.evaluate("() => window.rendered.enabled")
        return [enabled[name] for name in names]

    def valid(answers: list[str]) -> list[bool]:
        return [answer == "true (0)" for answer in answers[1:4]]

    assert offered() == [True, False, False]
    assert valid(player.sco(*asked, request="continue")) == [True, False, False]
    assert player.delivered == ["a1", "a2"]
    assert offered() == [True, False, True]
    assert valid(player.sco(*asked, request="continue")) == [True, False, True]
    assert offered() == [True, False, True]


def test_the_data_model_rules_scorm_again_gets_wrong(page: Page):
    """DMI (RTE 3.1.7, 4.1.1): a member beyond _count answers 301 and a refused SetValue leaves
    none behind; an empty location is a value; a URN id follows RFC 2141, a timeinterval puts
    its time after "T", a time has at most two decimals of a second and ends in 2038; no value
    is kept longer than the server stores."""
    player = Player(page, manifest(leaf("a1"), sequencing=FLOW))
    answers = player.page.evaluate(
        """() => {
          const api = window.API_1484_11;
          api.Initialize("");
          const call = (...args) => {
            const answer = args.length === 1 ? api.GetValue(args[0]) : api.SetValue(...args);
            return answer + " (" + api.GetLastError() + ")";
          };
          return [
            call("cmi.objectives.0.id"),
            call("cmi.objectives.0.id", "urn:"),
            call("cmi.objectives._count"),
            call("cmi.objectives.0.id", "urn:adl:lms Test/OBJ01"),
            call("cmi.objectives.0.id", "urn:adl:lmsTest/OBJ01"),
            call("cmi.objectives.0.id"),
            call("cmi.location", ""),
            call("cmi.location"),
            call("cmi.session_time", "P1Y6M14D4H15M6.34S"),
            call("cmi.session_time", "P1Y6M14DT"),
            call("cmi.session_time", "PT1H2M3.5S"),
            call("cmi.interactions.0.id", "q1"),
            call("cmi.interactions.0.timestamp", "2004-04-01T09:45:58.025"),
            call("cmi.interactions.0.timestamp", "2039"),
            call("cmi.interactions.0.timestamp", "2004-04-01T09:45:58.5Z"),
            call("cmi.suspend_data", "x".repeat(70000)),
            String(api.GetValue("cmi.suspend_data").length),
          ];
        }"""
    )
    assert answers == [
        " (301)",
        "false (406)",
        "0 (0)",
        "false (406)",
        "true (0)",
        "urn:adl:lmsTest/OBJ01 (0)",
        "true (0)",
        " (0)",
        "false (406)",
        "false (406)",
        "true (0)",
        "true (0)",
        "false (406)",
        "false (406)",
        "true (0)",
        "true (0)",
        "64000",
    ]
