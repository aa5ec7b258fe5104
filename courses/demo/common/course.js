/*
 * course.js: page navigation, quiz and result of a demo course. The pages are <section
 * class="page" data-kind="content|quiz|result"> in one HTML file, shown one at a time. All LMS
 * traffic goes through window.Scorm (scorm.js), so this file knows nothing about SCORM versions.
 */
(function () {
  "use strict";

  const byId = (id) => document.getElementById(id);
  const pages = Array.from(document.querySelectorAll("section.page"));
  const quiz = byId("quiz");
  const nav = byId("course-nav");
  const courseTitle = pages[0].querySelector("h1").textContent.trim();
  // suspend_data: the pages seen and the quiz answers so far, so a resumed session loses nothing.
  let state = { visited: [], answers: {} };
  let current = 0;
  let finished = false;

  function currentAnswers() {
    return Object.fromEntries(
      Array.from(quiz.querySelectorAll("input:checked"), (input) => [input.name, input.value]),
    );
  }

  function save(commit = true) {
    Scorm.saveProgress(pages[current].id, JSON.stringify(state), commit);
  }

  function show(index, moveFocus = true) {
    current = index;
    pages.forEach((page, i) => {
      page.hidden = i !== index;
    });
    const page = pages[index];
    const heading = page.querySelector("h1");
    byId("previous").hidden = index === 0 || page.dataset.kind === "result";
    byId("next").hidden = page.dataset.kind !== "content";
    byId("page-count").textContent = `Page ${index + 1} of ${pages.length}`;
    document.title = index === 0 ? courseTitle : `${heading.textContent.trim()} - ${courseTitle}`;
    // Focus the new heading so keyboard and screen reader users start at the top of the page.
    if (moveFocus) heading.focus();
    if (!state.visited.includes(page.id)) state.visited.push(page.id);
    save();
  }

  // Reopen where the learner left off. Unreadable suspend_data just means starting over.
  function restore(resume) {
    try {
      const saved = JSON.parse(resume.data || "{}");
      const pageIds = pages.map((page) => page.id);
      if (Array.isArray(saved.visited)) {
        state.visited = saved.visited.filter((id) => pageIds.includes(id));
      }
      for (const [name, value] of Object.entries(saved.answers || {})) {
        const selector = `input[name="${CSS.escape(name)}"][value="${CSS.escape(String(value))}"]`;
        const input = quiz.querySelector(selector);
        if (input) input.checked = true;
      }
      state.answers = currentAnswers();
    } catch (error) {
      state = { visited: [], answers: {} };
    }
    const index = pages.findIndex((page) => page.id === resume.location);
    return index > 0 && pages[index].dataset.kind !== "result" ? index : 0;
  }

  function showResult(questions, result, passPercent) {
    byId("score").textContent = `Your score: ${result.percent}%`;
    const verdict = byId("verdict");
    verdict.textContent = result.passed ? "Passed" : "Failed";
    verdict.classList.add(result.passed ? "is-pass" : "is-fail");
    byId("verdict-detail").textContent = result.passed
      ? `You reached the pass mark of ${passPercent}%.`
      : `The pass mark is ${passPercent}%.`;
    byId("review").replaceChildren(
      ...questions.map((q) => {
        const item = document.createElement("li");
        item.textContent = q.response === q.correct
          ? `${q.description} Correct.`
          : `${q.description} Incorrect: the answer is "${q.correctLabel}".`;
        return item;
      }),
    );
  }

  const session = Scorm.start();
  byId("no-lms").hidden = session.connected;
  document.querySelectorAll("[data-pass-mark]").forEach((element) => {
    element.textContent = `${session.passPercent}%`;
  });

  byId("next").addEventListener("click", () => show(current + 1));
  byId("previous").addEventListener("click", () => show(current - 1));
  quiz.addEventListener("change", () => {
    state.answers = currentAnswers();
    save(false);
  });
  // "submit" only fires once every question is answered: the radios are `required`.
  quiz.addEventListener("submit", (event) => {
    event.preventDefault();
    if (finished) return;
    const questions = Array.from(quiz.querySelectorAll("fieldset"), (fieldset) => ({
      id: fieldset.dataset.question,
      description: fieldset.querySelector("legend").textContent.trim(),
      response: fieldset.querySelector("input:checked").value,
      correct: fieldset.dataset.correct,
      correctLabel: fieldset.querySelector(`input[value="${fieldset.dataset.correct}"]`)
        .closest("label").textContent.trim(),
    }));
    const result = Scorm.reportResult(questions);
    finished = true;
    quiz.querySelectorAll("fieldset, button").forEach((element) => {
      element.disabled = true;
    });
    showResult(questions, result, session.passPercent);
    show(pages.findIndex((page) => page.dataset.kind === "result"));
  });
  byId("save-exit").addEventListener("click", () => {
    Scorm.exit(finished, true);
    pages.forEach((page) => {
      page.hidden = true;
    });
    nav.hidden = true;
    byId("closed-detail").textContent = !session.connected
      ? "Nothing was saved because no LMS was found."
      : finished
        ? "Your result has been recorded."
        : "Your progress has been saved: next time you will continue where you left off.";
    byId("closed").hidden = false;
    byId("closed").querySelector("h1").focus();
  });
  // The LMS (or the learner closing the window) may unload us at any time. Progress is already
  // saved on every change, so closing the session is all that is left; Scorm.exit runs once.
  window.addEventListener("pagehide", () => Scorm.exit(finished));
  window.addEventListener("beforeunload", () => Scorm.exit(finished));

  show(session.resume ? restore(session.resume) : 0, false);
})();
