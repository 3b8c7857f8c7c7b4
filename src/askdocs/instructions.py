"""What a question asks, apart from how it wants the answer.

People and agents write instructions around a question: "What was the FY2018 capital
expenditure (in USD millions) for 3M? Give a response by relying on the details shown in the
cash flow statement.", "Assume you are an analyst. Answer in USD billions.", "Please round
your answer and explain your reasoning." No document says "response", "relying" or "round",
so read as part of the question those words count as missing, and a question the text answers
is declined. askdocs searches and judges the question without them, keeping the part of the
document they point to ("the cash flow statement"), which the evidence page does say; the
answer still shows the question as it was asked. Pure text, no I/O.
"""

from __future__ import annotations

import re

# "(in USD millions)", "(as a percentage)": the unit the answer should be given in
UNIT_ASIDE = re.compile(r"\s*\((?:in|as|expressed\s+in|answer\s+in)\s[^()]{1,40}\)",
                        re.IGNORECASE)
# a clause (up to . ? ! : ;) that tells how to answer, not what is asked
INSTRUCTION = re.compile(
    r"^\W*(?:please\s+|kindly\s+)?(?:"
    r"answer\b|respond\b|reply\b|round\b|express\b|rely\b|base\s+your\b|assume\b|"
    r"(?:give|provide)\s+(?:me\s+)?(?:a|an|your|the)\s+(?:\w+\s+)?(?:response|answer|reply)\b|"
    r"(?:use|using)\s+(?:only\s+)?(?:the|this|these|its)\b[^,:]*(?:[,:]|$)|"
    # "Please utilize information provided primarily within the balance sheet."
    r"(?:utili[sz]e|use|refer\s+to|consult|draw\s+on|look\s+at|focus\s+on)\s+(?:only\s+)?"
    r"(?:the\s+)?(?:information|details|data|figures|numbers)\b|"
    # "Calculate (or extract) the answer from the statement of income."
    r"(?:calculate|compute|derive|extract)\s+(?:\([^()]*\)\s+)?(?:the|your)\s+answer\b|"
    r"show\s+your\b|explain\s+your\b|keep\s+your\b|state\s+that\b|"
    r"you\s+are\s+an?\b|act\s+as\b|imagine\s+(?:that\s+)?you\b|"
    r"(?:do\s+not|don't)\s+(?:round|explain|include|use|add|guess|make)\b|"
    # "If operating margin is not a useful metric …", "If they are not outlined, state 0.";
    # never a clause that asks ("If so, is it billable?")
    r"if\s(?=[^?]*$)[^.?!]*\b(?:not|n't)\s+(?:\w+\s+)?(?:a\s+)?(?:useful|relevant|applicable|"
    r"meaningful|outlined|stated|disclosed|given|available|provided|reported|mentioned|listed|"
    r"specified)\b|"
    r"if\s(?=[^?]*$)[^.?!]*[\s,](?:then\s+)?(?:state|say|answer|respond|return|write|reply)\b)",
    re.IGNORECASE)
# what an instruction points to, kept: "the cash flow statement", "the balance sheet"
DOCUMENT_PART = re.compile(
    r"\b(?:the|its|this|that|these)\s+"
    r"(?:(?!(?:the|a|an|and|or|from|in|of|on|by|with|within)\b)[\w&'’-]+\s+){0,3}?"
    r"(?:statements?|sheets?|tables?|notes?|sections?|chapters?|appendix|exhibits?|10-?[KQ]|"
    r"P&L)\b"
    # "the statement of cash flows", "the statement of changes in equity"
    r"(?:\s+of\s+(?!the\b|a\b|an\b)[\w&'’-]+(?:\s+(?!and\b|or\b|for\b|to\b|from\b|"
    r"as\b|at\b|of\b)[\w&'’-]+){0,2})?", re.IGNORECASE)
CLAUSE_END = re.compile(r"(?<=[.?!:;])\s+")
ASKS = re.compile(r"\?|\b(?:what|how|which|who|whom|whose|when|where|why|is|are|was|were|did|"
                  r"does|do|can|could|has|have|had|will|would|should|list|name)\b",
                  re.IGNORECASE)


def without_instructions(question: str) -> str:
    """The question without the clauses that say how to answer (and the unit asked for), with
    the parts of the document those clauses name; the question itself when it has none, or
    when nothing that asks would be left."""
    text = UNIT_ASIDE.sub("", question)
    kept, dropped = [], []
    for clause in CLAUSE_END.split(text):
        if clause.strip():
            (dropped if INSTRUCTION.match(clause) else kept).append(clause)
    if text == question and not dropped:
        return question
    if not kept or not any(ASKS.search(c) for c in kept):
        return question
    return " ".join(kept + [m.group(0) for c in dropped for m in DOCUMENT_PART.finditer(c)])
