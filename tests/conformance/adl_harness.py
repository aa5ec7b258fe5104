"""The tester of ADL's LMS test, in a browser: plays the cases through the learner's player page.

ADL's suite had a person in front of the LMS and a Java test manager beside it. Here the test
SCO (``adl_sco/``) runs each delivery's calls and judges them; :class:`AdlRun` is the person: it
opens the test package's course page, presses Play, answers the UI questions by looking at the
player's controls, does what each delivery's ``CUI`` says (Continue, Previous, a choice in the
table of contents, Exit, Suspend All, relaunch...) with the player's own buttons, and checks that
the activities arrive in the scripted order and that the session ends where the script says.

ADL's test is taken by one learner, package after package: a few cases build on the global
objectives an earlier case left (OB-03c on OB-03a/b, SX-11c on SX-11a/b...). :class:`Suite`
plays the cases in that order within each group of cases that share a global objective or shared
data, and plays independent groups side by side in a few tabs of one browser context, because
a case spends most of its time waiting on the server. Every wait is on news from the page
(``adl_harness.js`` broadcasts each change to a hub page), never on a clock; a step that brings
no news within :data:`STEP_TIMEOUT` fails its case.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from defusedxml import ElementTree
from playwright.sync_api import BrowserContext, ConsoleMessage, Dialog, Frame, Page
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .adl_cases import ROOT, Case, Delivery, TesterAction

HARNESS_JS = (Path(__file__).resolve().parent / "adl_harness.js").read_text()

#: How long the player may take to react to one step (a launch, a delivery, the end of the
#: session). A step takes tens of milliseconds, a relaunch a few seconds on a busy 2-core
#: machine (10 s was seen to run out there); a failure waits this long once.
STEP_TIMEOUT = 20.0

#: How long the server must have stored nothing more for a package's attempts before it is
#: launched again (see AdlRun.launch).
QUIET_SECONDS = 0.8

# What the tester sees: the player's controls, read in the launcher frame. A device hidden by
# hideLMSUI is not an enabled one (ADL's CM-01 expects "disabled" for a hidden Continue).
_UI_ANSWERS = """(questions) => {
  const usable = (el) => Boolean(el) && !el.hidden && !el.disabled && el.getClientRects().length > 0;
  const shown = (el) => Boolean(el) && !el.hidden && el.getClientRects().length > 0;
  const toc = document.getElementById("toc");
  const entries = Array.from(toc.querySelectorAll(".toc-entry, .toc-group"));
  // ADL names the root by its organization's title: "the activity that corresponds to the root
  // of "<title>"" (CM-07a to CM-07e), the contents' first entry.
  const root = toc.querySelector(":scope > li > *");
  const named = (title) => /^the activity that corresponds to the root of /.test(title.trim())
    ? (root ? [root] : [])
    : entries.filter((el) => el.textContent.trim() === title.trim());
  const devices = {Continue: "nav-continue", Previous: "nav-previous",
                   "Suspend All": "nav-suspend", "Exit All": "nav-exit"};
  return questions.map((q) => {
    switch (q.key) {
      case "continue.enabled": return usable(document.getElementById("nav-continue"));
      case "continue.disabled": return !usable(document.getElementById("nav-continue"));
      case "previous.enabled": return usable(document.getElementById("nav-previous"));
      case "previous.disabled": return !usable(document.getElementById("nav-previous"));
      case "toc.enabled": return shown(toc) && entries.some(usable);
      case "toc.enabled.selectable": return shown(toc) && named(q.subject).some(usable);
      case "toc.visible": return shown(toc) && named(q.subject).some(shown);
      case "ui.visible": return shown(document.getElementById(devices[q.subject] || ""));
      case "click.button": return true;
      default: return null;
    }
  }).map((answer) => answer === null ? "?" : (answer ? "Y" : "N"));
}"""

_TOC_CLICK = """([title]) => {
  const matches = Array.from(document.querySelectorAll("#toc button"))
    .filter((el) => el.textContent.trim() === title.trim());
  if (!matches.length) return "missing";
  const button = matches[0];
  if (button.hidden || !button.getClientRects().length) return "hidden";
  if (button.disabled) return "disabled";
  button.click();
  return "clicked";
}"""

_BUTTON_CLICK = """([id]) => {
  const button = document.getElementById(id);
  if (!button || button.hidden || !button.getClientRects().length) return "hidden";
  if (button.disabled) return "disabled";
  button.click();
  return "clicked";
}"""

# The player's own reaction to the SCO's Terminate (a delivery, the end of the session) starts
# in a task queued by Terminate: read its state once that task has run.
_SETTLED = """() => new Promise((resolve) => setTimeout(() => {
  const runtime = window.LmsPlayer && window.LmsPlayer.runtime;
  resolve({loading: Boolean(runtime && runtime.loading), ended: Boolean(runtime && runtime.ended)});
}, 0))"""

_PLAY = """() => {
  const play = Array.from(document.querySelectorAll("form button[type=submit]"))
    .find((el) => /^Play/.test(el.textContent.trim()));
  if (!play) return false;
  play.click();
  return true;
}"""

# A frame's state, for the log of a case whose step brought no news in time.
_FRAME_STATE = """() => {
  const runtime = window.LmsPlayer && window.LmsPlayer.runtime;
  const sco = window.adlSco;
  return JSON.stringify({
    ready: document.readyState,
    status: (document.getElementById("player-status") || {}).textContent || undefined,
    runtime: runtime ? {current: runtime.current, delivery: runtime.delivery,
                        loading: runtime.loading, ended: runtime.ended} : undefined,
    sco: sco ? sco.progress() : undefined,
  });
}"""

_ROOT_TITLE = "() => (document.querySelector('#toc > li > *') || {}).textContent || ''"


class CaseFailed(AssertionError):
    pass


@dataclass
class Wait:
    """What a run waits for: ``ready()`` true, within ``timeout`` seconds."""

    ready: Callable[[], bool]
    what: str
    timeout: float = STEP_TIMEOUT


@dataclass
class Outcome:
    case: str
    expected: list[str]
    delivered: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # console errors, alerts (conftest's bar)
    sco_failures: list[dict[str, Any]] = field(
        default_factory=list
    )  # every judged call that failed
    log: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures and self.delivered == self.expected

    def report(self) -> str:
        lines = [
            f"ADL case {self.case} ({self.seconds:.1f} s)",
            f"  expected:  {' '.join(self.expected)}",
            f"  delivered: {' '.join(self.delivered)}",
        ]
        lines += [f"  FAIL {f}" for f in self.failures]
        lines += [f"  browser: {p}" for p in self.problems]
        lines += [f"  . {entry}" for entry in self.log[-40:]]
        return "\n".join(lines)


Steps = Generator[Wait, None, None]


class AdlRun:
    """One case, played in ``tab`` as a generator of :class:`Wait`: :class:`Suite` resumes it
    when what it waits for has happened (``update`` brings the case's news from the hub)."""

    def __init__(
        self,
        case: Case,
        tab: Page,
        course_url: Callable[[str], str],
        quiet: Callable[[list[str], float], bool] = lambda packages, seconds: True,
        before: list[str] | None = None,
        inflight: Callable[[], int] = lambda: 0,
    ) -> None:
        self.case = case
        self.tab = tab
        self.course_url = course_url
        self.quiet = quiet
        self.before = before or []  # the packages of the group's earlier cases in this tab
        self.inflight = inflight  # the tab's requests to the run-time not answered yet
        self.outcome = Outcome(case=case.name, expected=[d.block for d in case.deliveries])
        self.news: dict[str, Any] = {}
        self.version = 0
        self.answered: set[str] = set()  # deliveries by the SCO's uid
        self.acted: set[str] = set()
        self.seen: set[str] = set()
        self.started = time.monotonic()

    # -- news -------------------------------------------------------------------------------

    def update(self, news: Mapping[str, Any]) -> None:
        self.news = dict(news)
        self.version = news["version"]

    def player(self) -> dict[str, Any]:
        return self.news.get("player") or {}

    def next_news(self, what: str) -> Steps:
        seen = self.version
        yield Wait(lambda: self.version != seen, what)

    def launcher(self) -> Frame:
        for frame in self.tab.frames:
            if "/content/launch/" in frame.url and not frame.is_detached():
                return frame
        raise CaseFailed("the player's launcher frame is not on the page")

    def sco_frame(self) -> Frame | None:
        frames = [f for f in self.tab.frames if "tc=" in f.url and not f.is_detached()]
        return frames[-1] if frames else None

    def diagnose(self) -> None:
        """What the tab shows when a step brought no news in time: every frame, its address and
        state, and what the SCO in it has published (the case's log)."""
        for frame in self.tab.frames:
            try:
                state = frame.evaluate(_FRAME_STATE)
            except PlaywrightError as err:
                state = f"unreadable ({str(err).splitlines()[0]})"
            self.note(f"frame {frame.url[-70:]}: {state}")

    def note(self, text: str) -> None:
        self.outcome.log.append(f"{time.monotonic() - self.started:6.2f}s {text}")

    def failure(self, text: str) -> CaseFailed:
        self.outcome.failures.append(text)
        return CaseFailed(text)

    # -- the case ---------------------------------------------------------------------------

    def steps(self) -> Steps:
        header = self.case.header
        if header.start == "DDMa":
            yield from self.launch("DDMa")
        else:
            yield from self.launch(self.case.name)
            if header.start_choice:
                self.choose(header.start_choice, why="start")
        handled = -1  # the version of the news last handled
        while len(self.acted) < len(self.case.deliveries):
            # News that came while the tester acted (a relaunch waits on several steps, and the
            # SCO may report, or the whole session run, meanwhile) is handled before waiting:
            # waiting for newer news first would wait on a SCO that has nothing more to say.
            if self.version == handled:
                position = len(self.outcome.delivered)
                wanted = self.case.deliveries[min(position, len(self.case.deliveries) - 1)].block
                yield from self.next_news(f"{wanted} or the next step of the delivered SCO")
            handled = self.version
            yield from self.handle_results()
        self.note("every scripted delivery has run")

    def launch(self, package: str) -> Steps:
        """Open the package's course page and press Play (a new launch in a new page)."""
        # What the page just left sent last (its SCO's Terminate, by beacon as the page unloads)
        # is stored before the next launch reads the learner's state, as a tester's pause
        # between leaving and relaunching gives it time to be.
        left = time.monotonic()
        packages = [*self.before, package]
        yield Wait(
            lambda: (
                self.inflight() == 0
                and time.monotonic() - left >= QUIET_SECONDS
                and self.quiet(packages, QUIET_SECONDS)
            ),
            "the server to store what the page left sent",
        )
        self.note(f"launch {package}")
        seen = self.version
        path = re.sub(r"^https?://[^/]+", "", self.course_url(package))
        if self.news.get("page") == path:  # back on it already: a new load, not a hash change
            self.tab.reload(wait_until="commit")
        else:
            self.tab.goto(
                f"{self.course_url(package)}#adl-case={self.case.name}", wait_until="commit"
            )
        yield Wait(
            lambda: self.version != seen and self.news.get("page") == path and self.news["ready"],
            f"the course page of {package}",
        )
        if not self.tab.evaluate(_PLAY):
            raise self.failure(f"no Play button on the course page of {package}")
        yield Wait(lambda: self.player().get("started"), f"the player of {package} to start")

    def handle_results(self) -> Steps:
        for result in self.news.get("results", []):
            seq = result["uid"]
            phase = result["phase"]
            block = result.get("block") or f"Act{result.get('activity')}?"
            if seq not in self.seen:
                self.seen.add(seq)
                self.outcome.delivered.append(block)
                self.note(f"delivered {block} ({result.get('url', '').rsplit('/', 1)[-1]})")
            if phase == "stopped" or (phase != "ui" and not result["ok"]):
                self.outcome.sco_failures = list(result.get("failures", []))
                raise self.failure(self.describe(result))
            if phase == "ui" and seq not in self.answered:
                self.answered.add(seq)
                self.answer(result)
                continue
            ready = (phase == "terminated" and result.get("terminateMode") == "after") or (
                phase == "done" and result.get("terminateMode") in ("unload", "none")
            )
            if ready and seq not in self.acted:
                terminate = result.get("terminate")
                if terminate and (terminate["result"], terminate["error"]) != ("true", "0"):
                    raise self.failure(f"{block}: Terminate answered {terminate}")
                self.acted.add(seq)
                yield from self.act(self.case.deliveries[result["position"]])

    @staticmethod
    def describe(result: Mapping[str, Any]) -> str:
        block = result.get("block") or result.get("counterBlock")
        failures = result.get("failures", [])
        parts = [
            ", ".join(f"{k}={v!r}" for k, v in failure.items() if v not in (None, ""))
            for failure in failures[:8]
        ]
        more = f" (+{len(failures) - 8} more)" if len(failures) > 8 else ""
        return f"{block}: " + " | ".join(parts) + more

    # -- the tester's answers and actions ---------------------------------------------------

    def answer(self, result: Mapping[str, Any]) -> None:
        questions = result["ui"]["questions"]
        answers = self.launcher().evaluate(_UI_ANSWERS, questions)
        asked = [f"{q['key']}@{q.get('subject')}" for q in questions]
        self.note(f"UI {asked} -> {answers}")
        sco = self.sco_frame()
        if sco is None:
            raise self.failure(f"{result.get('block')}: the SCO asking UI questions is gone")
        sco.evaluate("(answers) => window.adlSco.answerUI(answers)", answers)

    def act(self, delivery: Delivery) -> Steps:
        action = delivery.action
        if action is None:
            return  # the SCO's own navigation request moves the session on
        self.note(f"{delivery.block}: {action.raw}")
        try:
            settled = self.launcher().evaluate(_SETTLED)
        except (PlaywrightError, CaseFailed):  # the player has already left for its exit page
            settled = {"loading": False, "ended": True}
        nav = action.navigation
        if nav in ("continue", "previous"):
            self.click(f"nav-{nav}", action)
        elif nav == "choice":
            self.choose(action.target or "", why=action.raw)
        elif nav == "exitAll":
            self.click("nav-exit", action)
        elif nav == "suspendAll":
            self.click("nav-suspend", action)
        left = False
        if nav == "exit" and not settled["ended"]:
            left = yield from self.exit(action)
        if action.session_ends and not left:
            yield from self.session_left(action)
        if action.then:
            yield from self.launch(action.package or self.case.name)
            if action.then_choose:
                self.choose(action.then_choose, why=action.raw)

    def click(self, button: str, action: TesterAction) -> None:
        state = self.launcher().evaluate(_BUTTON_CLICK, [button])
        if state != "clicked":
            raise self.failure(f"{action.raw}: the player's {button} is {state}")

    def choose(self, title: str, *, why: str) -> None:
        if title == ROOT:
            title = self.launcher().evaluate(_ROOT_TITLE).strip()
        state = self.launcher().evaluate(_TOC_CLICK, [title])
        if state != "clicked":
            raise self.failure(f"{why}: the table of contents entry {title!r} is {state}")

    def exit(self, action: TesterAction) -> Generator[Wait, None, bool]:
        """Leave the course: the player's Exit All when it offers one; else (a package with one
        activity shows no navigation) the LMS page's way back to the course, once the player
        has stored what the SCO reported. True when the learner left without ending the
        session."""
        try:
            clicked = self.launcher().evaluate(_BUTTON_CLICK, ["nav-exit"]) == "clicked"
        except (PlaywrightError, CaseFailed):
            # The SCO's own request ended the session since the tester looked (the launcher
            # has left for the exit page): nothing is left to exit.
            return False
        if clicked:
            return False
        yield Wait(lambda: not self.player().get("pending"), "the player's commits")
        # The page leaves through the player (which stores what the SCO leaves first) once the
        # player has said it can (static/lms/player.js).
        yield Wait(
            lambda: self.tab.evaluate("document.body.dataset.playerReady") == "true",
            "the player page to know its player can store what the SCO leaves",
        )
        seen = self.version
        self.tab.get_by_role("link", name="Back to course").click()
        yield Wait(
            lambda: self.version != seen and "/learn/courses/" in self.news.get("page", ""),
            "the course page",
        )
        self.note("left the course by its page")
        return True

    def session_left(self, action: TesterAction) -> Steps:
        """The session must end, and the player take the learner out once it has stored
        everything (its exit page in the frame), before anything else is launched."""
        yield Wait(
            lambda: self.player().get("ended"),
            f"the sequencing session to end after {action.raw}",
        )
        yield Wait(lambda: self.news.get("frame") == "exit", "the player's exit page")
        self.note("session ended")


def case_groups(cases: Iterable[Case]) -> list[list[str]]:
    """The cases in ADL's order, grouped: cases whose packages share a global objective or
    shared data (an earlier case's result is a later one's starting point) stay together."""
    names = sorted(case.name for case in cases)
    parent = {name: name for name in names}

    def root(name: str) -> str:
        while parent[name] != name:
            name = parent[name]
        return name

    owner: dict[str, str] = {}
    by_name = {case.name: case for case in cases}
    for name in names:
        for manifest in by_name[name].manifests:
            for target in _global_targets(manifest):
                if target in owner:
                    parent[root(name)] = root(owner[target])
                else:
                    owner[target] = name
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(root(name), []).append(name)
    return sorted(groups.values(), key=len, reverse=True)


def _global_targets(manifest: Path) -> set[str]:
    targets = set()
    for element in ElementTree.parse(manifest).getroot().iter():
        for attribute in ("targetObjectiveID", "targetID"):
            value = (element.get(attribute) or "").strip()
            if value:
                targets.add(f"{attribute}:{value}")
    return targets


def packages_of(case: Case) -> list[str]:
    """The test packages a case plays (DDM spans DDMa and DDMb)."""
    return [path.stem.removeprefix("LMSTestPackage_") for path in case.manifests]


@dataclass
class _Running:
    run: AdlRun
    steps: Steps
    wait: Wait | None = None
    deadline: float = 0.0
    rest: list[str] = field(default_factory=list)  # the group's later cases


class Suite:
    """Plays cases in a few tabs of ``context`` at once; ``hub`` is a page of the LMS origin
    opened at ``#adl-hub``. ``prepare(case)`` makes the case's courses just before it runs."""

    def __init__(
        self,
        context: BrowserContext,
        hub: Page,
        cases: Mapping[str, Case],
        *,
        course_url: Callable[[str], str],
        prepare: Callable[[Case], None],
        quiet: Callable[[list[str], float], bool] = lambda packages, seconds: True,
        tabs: int = 3,
    ) -> None:
        self.context = context
        self.hub = hub
        self.cases = cases
        self.course_url = course_url
        self.prepare = prepare
        self.quiet = quiet
        self.tab_count = tabs
        self.outcomes: dict[str, Outcome] = {}
        self.hub_version = 0
        self.current: dict[Page, _Running] = {}
        self.inflight: dict[Page, set[Any]] = {}

    def run(self, groups: list[list[str]]) -> dict[str, Outcome]:
        queue = deque(groups)
        free = [self._new_tab() for _ in range(min(self.tab_count, len(groups)))]
        while queue or self.current:
            while free and queue:
                group = queue.popleft()
                self._start(free.pop(), group[0], group[1:], [])
            self._wait()
            for tab, running in list(self.current.items()):
                if self._advance(running):
                    continue
                del self.current[tab]
                if running.rest:
                    self._start(
                        tab, running.rest[0], running.rest[1:], packages_of(running.run.case)
                    )
                else:
                    free.append(tab)
        for tab in free:
            tab.close()
        return self.outcomes

    def _new_tab(self) -> Page:
        tab = self.context.new_page()

        def problem(text: str) -> None:
            running = self.current.get(tab)
            if running is not None:
                running.run.outcome.problems.append(text)

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                problem(f"console error: {message.text} ({message.location.get('url', '')})")

        def on_dialog(dialog: Dialog) -> None:  # as tests/e2e/conftest.py's browser_problems
            if dialog.type == "alert":
                problem(f"alert dialog: {dialog.message}")
                dialog.dismiss()
            else:
                dialog.accept()

        if os.environ.get("ADL_DEBUG"):  # every request in the case's log, with its timing

            def on_request(request) -> None:
                running = self.current.get(tab)
                if running is not None:
                    took = request.timing.get("responseEnd", -1)
                    response = request.response()
                    status = response.status if response else "-"
                    running.run.note(f"{request.method} {request.url[-60:]} {status} {took:.0f} ms")

            tab.on("requestfinished", on_request)
            tab.on(
                "requestfailed",
                lambda request: on_request(request) or self.note_failure(tab, request),
            )
        # The run-time's requests (commits, a page's last one by beacon as it unloads) still
        # on their way: a relaunch waits for them.
        pending: set[Any] = set()
        self.inflight[tab] = pending

        def sent(request) -> None:
            if "/play/local/" in request.url and request.method == "POST":
                pending.add(request)

        tab.on("request", sent)
        tab.on("requestfinished", lambda request: pending.discard(request))
        tab.on("requestfailed", lambda request: pending.discard(request))
        tab.on("console", on_console)
        tab.on("pageerror", lambda error: problem(f"page error: {error}"))
        tab.on("dialog", on_dialog)
        return tab

    def note_failure(self, tab: Page, request) -> None:
        running = self.current.get(tab)
        if running is not None:
            running.run.note(f"FAILED {request.url[-60:]}: {request.failure}")

    def _start(self, tab: Page, name: str, rest: list[str], before: list[str]) -> None:
        case = self.cases[name]
        began = time.monotonic()
        self.prepare(case)
        run = AdlRun(
            case, tab, self.course_url, self.quiet, before, lambda: len(self.inflight[tab])
        )
        run.note(f"its courses made in {time.monotonic() - began:.2f} s")
        running = _Running(run=run, steps=run.steps(), rest=rest)
        self.current[tab] = running
        self._advance(running)

    def _wait(self) -> None:
        """Until the hub has news, or the nearest deadline, or a quarter of a second."""
        deadline = min((r.deadline for r in self.current.values()), default=time.monotonic())
        # Every quarter second at least: some waits are on the server, not on the hub's news.
        timeout = max(1.0, min(deadline - time.monotonic(), 0.25) * 1000)
        with contextlib.suppress(PlaywrightTimeout):
            self.hub.wait_for_function(
                "v => window.__adlHub.version() !== v",
                arg=self.hub_version,
                timeout=timeout,
                polling=5,
            )
        news = self.hub.evaluate("v => window.__adlHub.since(v)", self.hub_version)
        self.hub_version = news["version"]
        by_case = {r.run.case.name: r for r in self.current.values()}
        for name, snapshot in news["cases"].items():
            if name in by_case:
                by_case[name].run.update(snapshot)

    def _advance(self, running: _Running) -> bool:
        """Resume the run while what it waits for is there; False once it is over."""
        run = running.run
        try:
            while running.wait is None or running.wait.ready():
                running.wait = next(running.steps)
                running.deadline = time.monotonic() + running.wait.timeout
            if time.monotonic() < running.deadline:
                return True
            run.diagnose()
            raise run.failure(
                f"waited {running.wait.timeout:.0f} s for {running.wait.what} "
                f"(player: {run.player()})"
            )
        except StopIteration:
            pass
        except CaseFailed as err:
            if str(err) not in run.outcome.failures:
                run.outcome.failures.append(str(err))
        except PlaywrightError as err:
            run.outcome.failures.append(f"browser: {str(err).splitlines()[0]}")
        run.outcome.seconds = time.monotonic() - run.started
        self.outcomes[run.case.name] = run.outcome
        return False
