/*
 * SCORM 2004 cmi.interactions: the rules of the RTE book (4.2.9) that scorm-again 3.4.3 gets
 * wrong, as ADL's LMS conformance test (case DMI) shows. runtime-2004.js (dataModelRules) puts
 * them before its own rules and scorm-again's:
 * - the format of a learner_response (RTE 4.2.9.2) and of a correct_responses.n.pattern
 *   (RTE 4.2.9.1) for each interaction type: TYPES below, one validator per type;
 * - true-false, likert, numeric and other have one correct response, and a choice's correct
 *   responses are different sets: another is 351;
 * - an interaction's elements wait for its id: 408 before it, where 3.4.3 creates the
 *   interaction (RTE 4.2.9); an index beyond _count, or written with a leading zero
 *   ("cmi.interactions.01"), is 351;
 * - an interaction's id may be set again, to another value (ADL DMI sets it and reads the new
 *   one back), where 3.4.3 refuses with 351;
 * - what the LMS stored comes back on the next delivery, even what 3.4.3 would refuse to load.
 * Everything else about interactions (ids, type, timestamps, result, latency, description,
 * objectives, 408 before the type) stays scorm-again's.
 */
(function (LmsPlayer) {
  "use strict";

  var ITEMS = "[,]"; // separates a set's or an array's members (RTE 4.2.9.1)
  var PAIR = "[.]"; // a matching pair's source and target, a performance step's name and answer
  var RANGE = "[:]"; // a numeric range's minimum and maximum

  // ---- data types (RTE 4.1.1)

  // short_identifier_type: a URI (RFC 3986), as java.net.URI reads one in ADL's reference
  // LMS: its characters, percent-encodings and at most one "#", never empty; no space, brace
  // or square bracket (the separators above are made of them). Characters beyond ASCII pass,
  // as in an IRI (RFC 3987).
  var URI = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@\/?#]|%[0-9A-Fa-f]{2}|[^\u0000-\u007f\s])+$/;

  function shortId(text) {
    return URI.test(text) && text.indexOf("#") === text.lastIndexOf("#");
  }

  // real(10,7): a decimal number, no exponent, no thousands separator.
  var REAL = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)$/;

  function real(text) {
    return REAL.test(text);
  }

  // language_type (RFC 3066): an ISO 639-1 or ISO 639-2 code (qaa-qtz reserved for local use),
  // or "i" / "x" with subtags; subtags of 1 to 8 letters or digits.
  // The codes: ISO 639-1 and ISO 639-2 (bibliographic and terminology), Debian's iso-codes 4.15.
  var LANGUAGES = {};
  (
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy " +
    "da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu " +
    "hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb " +
    "lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om " +
    "or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw " +
    "ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu aar " +
    "abk ace ach ada ady afa afh afr ain aka akk alb ale alg alt amh ang anp apa ara arc arg arm " +
    "arn arp art arw asm ast ath aus ava ave awa aym aze bad bai bak bal bam ban baq bas bat bej " +
    "bel bem ben ber bho bih bik bin bis bla bnt bod bos bra bre btk bua bug bul bur byn cad cai " +
    "car cat cau ceb cel ces cha chb che chg chi chk chm chn cho chp chr chu chv chy cmc cnr cop " +
    "cor cos cpe cpf cpp cre crh crp csb cus cym cze dak dan dar day del den deu dgr din div doi " +
    "dra dsb dua dum dut dyu dzo efi egy eka ell elx eng enm epo est eus ewe ewo fan fao fas fat " +
    "fij fil fin fiu fon fra fre frm fro frr frs fry ful fur gaa gay gba gem geo ger gez gil gla " +
    "gle glg glv gmh goh gon gor got grb grc gre grn gsw guj gwi hai hat hau haw heb her hil him " +
    "hin hit hmn hmo hrv hsb hun hup hye iba ibo ice ido iii ijo iku ile ilo ina inc ind ine inh " +
    "ipk ira iro isl ita jav jbo jpn jpr jrb kaa kab kac kal kam kan kar kas kat kau kaw kaz kbd " +
    "kha khi khm kho kik kin kir kmb kok kom kon kor kos kpe krc krl kro kru kua kum kur kut lad " +
    "lah lam lao lat lav lez lim lin lit lol loz ltz lua lub lug lui lun luo lus mac mad mag mah " +
    "mai mak mal man mao map mar mas may mdf mdr men mga mic min mis mkd mkh mlg mlt mnc mni mno " +
    "moh mon mos mri msa mul mun mus mwl mwr mya myn myv nah nai nap nau nav nbl nde ndo nds nep " +
    "new nia nic niu nld nno nob nog non nor nqo nso nub nwc nya nym nyn nyo nzi oci oji ori orm " +
    "osa oss ota oto paa pag pal pam pan pap pau peo per phi phn pli pol pon por pra pro pus que " +
    "raj rap rar roa roh rom ron rum run rup rus sad sag sah sai sal sam san sas sat scn sco sel " +
    "sem sga sgn shn sid sin sio sit sla slk slo slv sma sme smi smj smn smo sms sna snd snk sog " +
    "som son sot spa sqi srd srn srp srr ssa ssw suk sun sus sux swa swe syc syr tah tai tam tat " +
    "tel tem ter tet tgk tgl tha tib tig tir tiv tkl tlh tli tmh tog ton tpi tsi tsn tso tuk tum " +
    "tup tur tut tvl twi tyv udm uga uig ukr umb und urd uzb vai ven vie vol vot wak wal war was " +
    "wel wen wln wol xal xho yao yap yid yor ypk zap zbl zen zgh zha zho znd zul zun zxx zza"
  )
    .split(" ")
    .forEach(function (code) {
      LANGUAGES[code] = true;
    });
  var LANGUAGE_TAG = /^([A-Za-z]{1,8})((?:-[A-Za-z0-9]{1,8})*)$/;

  function language(tag) {
    var match = LANGUAGE_TAG.exec(tag);
    if (!match) return false;
    var primary = match[1].toLowerCase();
    if (primary === "i" || primary === "x") return match[2] !== "";
    return LANGUAGES[primary] === true || /^q[a-t][a-z]$/.test(primary);
  }

  // localized_string_type: a characterstring, a {lang=<language_type>} delimiter first if any.
  var LANG = /^\{lang=([^}]*)\}/;

  function localized(text) {
    var match = LANG.exec(text);
    return !match || language(match[1]);
  }

  // A numeric range, <min>[:]<max>, either end left out for no bound; min <= max.
  function range(text) {
    var ends = text.split(RANGE);
    if (ends.length !== 2) return false;
    var low = ends[0];
    var high = ends[1];
    if ((low !== "" && !real(low)) || (high !== "" && !real(high))) return false;
    return low === "" || high === "" || Number(low) <= Number(high);
  }

  // numeric's pattern: a range; or one real, that value exactly, as content writes it (Rustici's
  // golf examples) and scorm-again always took it.
  function realOrRange(text) {
    return real(text) || range(text);
  }

  function members(text) {
    return text === "" ? [] : text.split(ITEMS);
  }

  function distinct(values) {
    var seen = {};
    return values.every(function (value) {
      var key = "#" + value;
      if (seen[key]) return false;
      seen[key] = true;
      return true;
    });
  }

  // ---- the formats of RTE 4.2.9.1 (correct responses) and 4.2.9.2 (learner responses)

  function trueFalse(text) {
    return text === "true" || text === "false";
  }

  // choice: a set of short_identifier_types, each once; the empty set too ("" selects none).
  function choices(text) {
    var ids = members(text);
    return ids.every(shortId) && distinct(ids);
  }

  // sequencing: an array of short_identifier_types, at least one, repeats allowed.
  function order(text) {
    return text.split(ITEMS).every(shortId);
  }

  // fill-in: an array of match_texts, each a localized_string_type ("[,]" is two empty ones).
  function matchTexts(text) {
    return text.split(ITEMS).every(localized);
  }

  function anything() {
    return true;
  }

  // matching: a bag of source[.]target pairs of short_identifier_types.
  function pairs(text) {
    return members(text).every(function (pair) {
      var ends = pair.split(PAIR);
      return ends.length === 2 && shortId(ends[0]) && shortId(ends[1]);
    });
  }

  // performance: an array of step_name[.]step_answer records; either part may be left out but
  // not both; a step_name is a short_identifier_type; in a correct response a step_answer with
  // "[:]" is a numeric range.
  function steps(answersMayBeRanges) {
    return function (text) {
      return text.split(ITEMS).every(function (record) {
        var parts = record.split(PAIR);
        if (parts.length !== 2 || (parts[0] === "" && parts[1] === "")) return false;
        if (parts[0] !== "" && !shortId(parts[0])) return false;
        return !answersMayBeRanges || parts[1].indexOf(RANGE) < 0 || range(parts[1]);
      });
    };
  }

  // A correct response may start with the delimiters its type has ({case_matters=<boolean>},
  // {order_matters=<boolean>}), each once, in any order; a delimiter of another name, or one
  // after the first match_text has begun, is part of the characterstring.
  var DELIMITER = /^\{(case_matters|order_matters)=([^}]*)\}/;

  function delimited(names, format) {
    return function (text) {
      var rest = text;
      var seen = {};
      var match;
      while ((match = DELIMITER.exec(rest)) && names.indexOf(match[1]) >= 0 && !seen[match[1]]) {
        if (match[2] !== "true" && match[2] !== "false") return false;
        seen[match[1]] = true;
        rest = rest.slice(match[0].length);
      }
      return format(rest);
    };
  }

  // Per interaction type: the learner_response format, the pattern format, how many correct
  // responses it may have (none said: as many as the SCO sets), whether they must differ.
  var TYPES = {
    "true-false": { response: trueFalse, pattern: trueFalse, patterns: 1 },
    choice: { response: choices, pattern: choices, distinctPatterns: true },
    "fill-in": {
      response: matchTexts,
      pattern: delimited(["case_matters", "order_matters"], matchTexts)
    },
    "long-fill-in": { response: localized, pattern: delimited(["case_matters"], localized) },
    likert: { response: shortId, pattern: shortId, patterns: 1 },
    matching: { response: pairs, pattern: pairs },
    performance: { response: steps(false), pattern: delimited(["order_matters"], steps(true)) },
    sequencing: { response: order, pattern: order },
    numeric: { response: real, pattern: realOrRange, patterns: 1 },
    other: { response: anything, pattern: anything, patterns: 1 }
  };

  function sameSet(a, b) {
    return members(a).sort().join(ITEMS) === members(b).sort().join(ITEMS);
  }

  // ---- the run-time

  var ELEMENT = /^cmi\.interactions\.(\d+)\.(.+)$/;
  var MEMBER =
    /^(?:id|type|timestamp|weighting|learner_response|result|latency|description|objectives\.(\d+)\.id|correct_responses\.(\d+)\.pattern)$/;
  var STORED = /^cmi\.interactions\.(\d+)\.(?:learner_response|correct_responses\.(\d+)\.pattern)$/;

  function malformed(index) {
    return index !== undefined && index.length > 1 && index.charAt(0) === "0";
  }

  function refuse(api, code) {
    api.lastErrorCode = code;
    return "false";
  }

  // scorm-again's CMIInteractionsCorrectResponsesObject, which it does not export: the one its
  // own factory makes before Initialize, when it checks nothing.
  function correctResponseClass(api) {
    try {
      var probe = api.getChildElement("cmi.interactions.0.correct_responses.0", "", true);
      return probe ? probe.constructor : null;
    } catch (e) {
      return null;
    }
  }

  /*
   * Installs the rules on `api` (a Scorm2004API, before Initialize) and returns the check that
   * api.SetValue makes while the SCO runs: setValue(element, value, next), where next(value)
   * is the SetValue that would have been made without these rules.
   */
  function interactionRules2004(api) {
    var CorrectResponse = correctResponseClass(api);

    function addPattern(interaction) {
      var list = interaction.correct_responses;
      var entry = new CorrectResponse(interaction.type);
      if (list.initialized) entry.initialize();
      list.childArray.push(entry);
      return entry;
    }

    // The SetValue made through scorm-again (its listeners, autocommit, log, error state) with
    // its check of the value replaced by ours: `store` keeps the value that reaches it.
    function writeThrough(element, value, next, store) {
      var own = Object.prototype.hasOwnProperty.call(api, "setCMIValue");
      var setCMIValue = api.setCMIValue;
      api.setCMIValue = function (name, stored) {
        if (name !== element) return setCMIValue.apply(this, arguments);
        store(stored);
        if (api._setCMIElements) api._setCMIElements.add(name);
        api.lastErrorCode = "0"; // as scorm-again's own setCMIValue leaves it
        return "true";
      };
      try {
        return next(value);
      } finally {
        if (own) api.setCMIValue = setCMIValue;
        else delete api.setCMIValue;
      }
    }

    function setResponse(element, interaction, text, next) {
      var type = TYPES[interaction.type];
      if (!type) return next(text); // no type yet: 408 (RTE 4.2.9)
      if (!type.response(text)) return refuse(api, "406");
      return writeThrough(element, text, next, function (stored) {
        interaction._learner_response = stored;
      });
    }

    function setPattern(element, interaction, index, text, next) {
      var type = TYPES[interaction.type];
      if (!type) return next(text); // no type yet: 408 (RTE 4.2.9)
      var list = interaction.correct_responses.childArray;
      if (index > list.length) return refuse(api, "351");
      if (index === list.length && list.length >= (type.patterns || Infinity)) {
        return refuse(api, "351");
      }
      if (index === list.length && !CorrectResponse) return next(text); // cannot add one: 3.4.3's
      if (!type.pattern(text)) return refuse(api, "406");
      var taken =
        type.distinctPatterns &&
        list.some(function (entry, i) {
          return i !== index && sameSet(entry.pattern, text);
        });
      if (taken) return refuse(api, "351");
      return writeThrough(element, text, next, function (stored) {
        (list[index] || addPattern(interaction))._pattern = stored;
      });
    }

    // An interaction's id set again: 3.4.3 holds it fixed (_idIsSet) and answers 351; its
    // other checks of the id stay.
    function setId(interaction, text, next) {
      var fixed = interaction._idIsSet;
      interaction._idIsSet = false;
      var result = next(text);
      if (result !== "true") interaction._idIsSet = fixed;
      return result;
    }

    // What the LMS stored is what the SCO set: the responses and patterns are put back as they
    // are, not through scorm-again's checks (one it refuses stops its whole load).
    function restore(data) {
      var interactions = api.cmi.interactions && api.cmi.interactions.childArray;
      if (!interactions) return;
      Object.keys(data)
        .map(function (key) {
          var match = STORED.exec(key);
          return match && { key: key, n: Number(match[1]), index: match[2] };
        })
        .filter(Boolean)
        .sort(function (a, b) {
          return a.n - b.n || Number(a.index || -1) - Number(b.index || -1);
        })
        .forEach(function (item) {
          var interaction = interactions[item.n];
          var text = String(data[item.key]);
          if (!interaction) return;
          if (item.index === undefined) {
            interaction._learner_response = text;
          } else {
            var list = interaction.correct_responses.childArray;
            var index = Number(item.index);
            if (index > list.length || (index === list.length && !CorrectResponse)) return;
            (list[index] || addPattern(interaction))._pattern = text;
          }
          if (api._setCMIElements) api._setCMIElements.add(item.key);
        });
    }

    var load = api.loadFromFlattenedJSON;
    api.loadFromFlattenedJSON = function (data) {
      if (!data || typeof data !== "object") return load.apply(this, arguments);
      var others = {};
      var responses = {};
      Object.keys(data).forEach(function (key) {
        (STORED.test(key) ? responses : others)[key] = data[key];
      });
      var args = Array.prototype.slice.call(arguments);
      args[0] = others;
      var result = load.apply(this, args);
      restore(responses);
      return result;
    };

    // A SetValue never throws to the SCO: a fault here is a general exception (101).
    return function setValue(element, value, next) {
      try {
        return check(element, value, next);
      } catch (e) {
        if (window.console) window.console.error(e);
        return refuse(api, "101");
      }
    };

    // The rules above, in the order ADL's DMI shows them: the index, the id, then the value.
    function check(element, value, next) {
      var match = ELEMENT.exec(element);
      var member = match && value !== undefined && MEMBER.exec(match[2]);
      if (!member) return next(value);
      value = String(value); // as scorm-again takes it
      if (malformed(match[1]) || malformed(member[1]) || malformed(member[2])) {
        return refuse(api, "351");
      }
      var interactions = api.cmi.interactions && api.cmi.interactions.childArray;
      if (!interactions) return next(value);
      var n = Number(match[1]);
      if (n > interactions.length) return refuse(api, "351");
      if (n === interactions.length) {
        return match[2] === "id" ? next(value) : refuse(api, "408");
      }
      var interaction = interactions[n];
      if (match[2] === "id") return interaction._idIsSet ? setId(interaction, value, next) : next(value);
      if (match[2] === "learner_response") return setResponse(element, interaction, value, next);
      if (member[2] !== undefined) {
        return setPattern(element, interaction, Number(member[2]), value, next);
      }
      return next(value);
    }
  }

  LmsPlayer.interactionRules2004 = interactionRules2004;
})((window.LmsPlayer = window.LmsPlayer || {}));
