/*
 * SCORM 1.2 prerequisites (adlcp:prerequisites, type "aicc_script"): an expression over item
 * identifiers that must hold before an item may be launched (CAM 1.2, 2.3.4).
 *   A            A is completed or passed
 *   A = status   A's lesson status is that one (passed, completed, failed, incomplete, browsed,
 *                not attempted; the AICC one-letter forms p, c, f, i, b, n too); <> for "is not"
 *   ~ X          not X;  X & Y  and;  X | Y  or;  ( X )
 *   n*{A,B,C}    at least n of the set hold
 * An identifier the package does not have, or a script that cannot be read, holds (an LMS that
 * cannot read a prerequisite must not lock the learner out).
 */
(function (LmsPlayer) {
  "use strict";

  var STATUS = {
    p: "passed",
    c: "completed",
    f: "failed",
    i: "incomplete",
    b: "browsed",
    n: "not attempted"
  };

  function tokenize(text) {
    var tokens = [];
    var pattern = /\s*(<>|[&|~()=,{}*]|"[^"]*"|[^\s&|~()=,{}*<>"]+)/g;
    var match;
    var consumed = 0;
    while ((match = pattern.exec(text)) !== null) {
      if (!match[1]) break;
      tokens.push(match[1]);
      consumed = pattern.lastIndex;
    }
    if (text.slice(consumed).trim()) throw new Error("unreadable prerequisites");
    return tokens;
  }

  function evaluate(script, statuses) {
    if (!script || !script.trim()) return true;
    var tokens;
    try {
      tokens = tokenize(script);
    } catch (error) {
      return true;
    }
    var position = 0;

    function peek() {
      return tokens[position];
    }
    function take(expected) {
      var token = tokens[position++];
      if (expected !== undefined && token !== expected) throw new Error("expected " + expected);
      return token;
    }
    function status(id) {
      return (statuses[id] || "not attempted").toLowerCase();
    }
    function known(id) {
      return Object.prototype.hasOwnProperty.call(statuses, id);
    }
    function term(id) {
      if (peek() === "=" || peek() === "<>") {
        var operator = take();
        var wanted = take().replace(/"/g, "").toLowerCase();
        wanted = STATUS[wanted] || wanted;
        var equal = status(id) === wanted;
        return operator === "=" ? equal : !equal;
      }
      if (!known(id)) return true;
      var value = status(id);
      return value === "completed" || value === "passed";
    }
    function primary() {
      var token = take();
      if (token === "~") return !primary();
      if (token === "(") {
        var inner = or();
        take(")");
        return inner;
      }
      if (/^\d+$/.test(token) && peek() === "*") {
        take("*");
        take("{");
        var count = 0;
        while (peek() !== "}") {
          if (term(take())) count += 1;
          if (peek() === ",") take(",");
        }
        take("}");
        return count >= parseInt(token, 10);
      }
      if (token === undefined) throw new Error("unexpected end");
      return term(token.replace(/"/g, ""));
    }
    function and() {
      var value = primary();
      while (peek() === "&") {
        take();
        value = primary() && value;
      }
      return value;
    }
    function or() {
      var value = and();
      while (peek() === "|") {
        take();
        value = and() || value;
      }
      return value;
    }
    try {
      var result = or();
      return position === tokens.length ? result : true;
    } catch (error) {
      return true;
    }
  }

  LmsPlayer.prerequisitesMet = evaluate;
})((window.LmsPlayer = window.LmsPlayer || {}));
