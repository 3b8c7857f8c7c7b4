"""Questions on a filing's prose, as analysts ask them: a development set askdocs makes for itself.

    python bench/filings_prose.py [--json PATH]

bench/filings.py asks for figures in statements; the held-back filings are also asked what a
company's report says in words ("What drove operating margin change as of FY2022 for …?", "Who
are the primary customers of …?", "Is …'s business subject to cyclicality?"). This script writes
6 fictional 10-K reports of 15 pages, one text file per page ("HARBORLIGHTS_2022_10K/page_4.txt",
as the issue measured the held-back filings): a cover with the registered securities, business,
human capital, risk factors, legal proceedings, MD&A, segments, liquidity, each page followed by
a page of SQuAD prose (CC BY-SA 4.0); the same sections in every report, their facts drawn at
random, the company named on the cover and in two sentences of prose. 13 questions a company, 78
in all, each knowing its evidence page; written after those of FinanceBench's public sample, in
other words. It prints, through the public API, per question kind and in all: how often `ask`
answers, quotes the evidence page, quotes it first, and shows it (a quote, or a sentence shown
as not an answer).
"""

from __future__ import annotations

import argparse
import json
import random
import textwrap
from collections import defaultdict

from common import ROOT
from filings import cached

from askdocs.embedding import cached_embedder
from askdocs.engine import AskDocs
from askdocs.indexer import build_index

COMPANIES = ["Harbor Lights Inc", "Bluefin Foods Corp", "Copperleaf Mining Ltd",
             "Northgate Rail Group", "Silverline Telecom", "Amberfield Chemicals"]
SEGMENTS = [("Industrial", "Safety and Graphics", "Health Care", "Consumer"),
            ("Snacks", "Beverages", "Frozen Foods"),
            ("Copper", "Iron Ore", "Coal"),
            ("Freight", "Passenger", "Intermodal"),
            ("Wireless", "Wireline", "Media"),
            ("Specialty Polymers", "Coatings", "Agricultural Solutions")]
PRODUCTS = ["abrasives, adhesives, films and personal protective equipment",
            "packaged snacks, juices, bottled water and frozen meals",
            "copper concentrate, iron ore pellets and metallurgical coal",
            "rail freight, commuter passenger service and container transport",
            "mobile voice and data plans, fiber broadband and streaming television",
            "engineering polymers, industrial coatings and crop protection chemicals"]
CUSTOMERS = ["mass merchandisers, home improvement stores and industrial distributors",
             "grocery chains, convenience stores and food service operators",
             "steel mills and copper smelters in Asia",
             "shippers of coal, grain and intermodal containers, and regional transit authorities",
             "consumers, small businesses and government agencies",
             "automotive manufacturers, packaging converters and farmers"]
REGIONS = [("the Americas", "Asia Pacific", "Europe, Middle East and Africa"),
           ("North America", "Latin America", "Europe")]
DRIVERS = ["higher raw material and logistics costs", "unfavorable foreign currency effects",
           "charges for the exit of a manufacturing operation", "lower sales volumes",
           "litigation charges", "costs of a supply chain disruption"]
TARGETS = ["Brightwave Systems", "Kestrel Analytics", "Marlow Packaging", "Ironbark Sensors",
           "Tidewater Labs", "Solace Instruments", "Greyfield Logistics", "Ashcombe Foods"]


def para(lines: list[str], text: str) -> None:
    lines += textwrap.wrap(text, 92) + [""]


def report(company: str, number: int, prose: list[str], rng: random.Random
           ) -> tuple[str, list[str], list[dict]]:
    """One report: its folder name, its pages' texts, and its questions."""
    short = company.rsplit(" ", 1)[0] if company.split()[-1] in ("Inc", "Corp", "Ltd", "Group") \
        else company
    ticker = "".join(w[0] for w in short.split()).upper() + "X"
    segs = SEGMENTS[number]
    employees = rng.randint(8, 140) * 1000
    us = rng.randint(20, 60)
    notes = sorted(rng.sample(range(2024, 2049), 3))
    rates = [f"{rng.randint(3, 60) / 10 + rng.choice((0, 0.125, 0.25, 0.375)):.3f}%" for _ in notes]
    margin = rng.randint(80, 250) / 10
    change = rng.randint(5, 40) / 10
    drivers = rng.sample(DRIVERS, 2)
    drag = rng.choice(segs)
    top = rng.choice([s for s in segs if s != drag])
    years = rng.randint(25, 70)
    target = TARGETS[number]
    price = rng.randint(2, 40) / 10
    etr, etr0 = rng.randint(120, 260) / 10, rng.randint(120, 260) / 10
    outside = rng.randint(30, 70)
    regions = REGIONS[number % 2]
    pages = {}
    cover = ["UNITED STATES", "SECURITIES AND EXCHANGE COMMISSION", "Washington, D.C. 20549",
             "FORM 10-K", "ANNUAL REPORT PURSUANT TO SECTION 13 OR 15(d) OF THE SECURITIES "
             "EXCHANGE ACT OF 1934", "For the fiscal year ended December 31, 2022",
             f"{company.upper()}", "(Exact name of registrant as specified in its charter)",
             "Securities registered pursuant to Section 12(b) of the Act:",
             "Title of each class Trading Symbol(s) Name of each exchange on which registered",
             f"Common Stock, Par Value $.01 Per Share {ticker} New York Stock Exchange"]
    cover += [f"{rate} Notes due {year} {ticker}{year % 100} New York Stock Exchange"
              for rate, year in zip(rates, notes)]
    cover += ["Indicate by check mark if the registrant is a well-known seasoned issuer, as "
              "defined in Rule 405 of the Securities Act. Yes x No"]
    pages["cover"] = cover
    b = ["PART I", "Item 1. Business"]
    para(b, f"{short} is a diversified company that develops, manufactures and sells "
         f"{PRODUCTS[number]}. The Company manages its operations in {len(segs)} business "
         f"segments: {', '.join(segs[:-1])} and {segs[-1]}.")
    para(b, f"The Company sells its products primarily to {CUSTOMERS[number]}. No single "
         f"customer accounted for more than {rng.randint(5, 12)}% of net sales in 2022.")
    para(b, f"The Company has operations in more than {rng.randint(20, 70)} countries and "
         f"reports its sales in three geographic areas: {regions[0]}, {regions[1]} and "
         f"{regions[2]}. Sales outside the United States were {outside}% of net sales in 2022.")
    b += [line for p in prose[:2] for line in textwrap.wrap(p, 92) + [""]]
    pages["business"] = b
    h = ["Human Capital"]
    para(h, f"As of December 31, 2022, the Company employed approximately {employees:,} people "
         f"worldwide, of whom approximately {us}% were located in the United States.")
    para(h, "The Company's talent strategy focuses on attracting, developing and retaining a "
         "diverse workforce and on the safety of every employee.")
    h += [line for p in prose[2:4] for line in textwrap.wrap(p, 92) + [""]]
    pages["employees"] = h
    r = ["Item 1A. Risk Factors"]
    para(r, "Demand for the Company's products depends on conditions in the industries it "
         f"serves. Results are affected by economic cycles in the markets for {segs[0].lower()} "
         "products; a downturn in these markets, which have historically been cyclical, could "
         "reduce the Company's sales and earnings.")
    para(r, "Changes in laws, regulations and tax rates in the countries where the Company "
         "operates could adversely affect its results.")
    r += [line for p in prose[4:6] for line in textwrap.wrap(p, 92) + [""]]
    pages["risks"] = r
    lp = ["Item 3. Legal Proceedings"]
    para(lp, f"{short} is a defendant in a number of lawsuits alleging that products it "
         "formerly made caused injuries to plaintiffs, and in proceedings brought by state "
         "attorneys general concerning environmental contamination near two of its plants. "
         f"In 2022 the Company recorded a pre-tax charge of ${rng.randint(50, 900)} million "
         "for these matters, and further significant charges are possible.")
    lp += [line for p in prose[6:8] for line in textwrap.wrap(p, 92) + [""]]
    pages["legal"] = lp
    m = ["Item 7. Management's Discussion and Analysis of Financial Condition and Results of "
         "Operations", "Overview"]
    para(m, f"Operating income margins were {margin}% in 2022, a decrease of {change} "
         f"percentage points compared with 2021. The decline was primarily driven by "
         f"{drivers[0]} and {drivers[1]}, partially offset by productivity actions.")
    para(m, f"The effective tax rate was {etr}% in 2022, compared with {etr0}% in 2021, "
         "reflecting the mix of income across jurisdictions.")
    pages["mdna"] = m
    s = ["Performance by Business Segment"]
    para(s, f"{top} was the Company's largest segment, with net sales of "
         f"${rng.randint(5, 15)}.{rng.randint(0, 9)} billion in 2022.")
    para(s, f"Organic sales in the {drag} segment declined "
         f"{rng.randint(2, 9)}.{rng.randint(0, 9)}% in 2022, while the other segments grew "
         "organically.")
    pages["segments"] = s
    li = ["Liquidity and Capital Resources"]
    para(li, f"In 2022 the Company acquired {target}, a maker of "
         f"{rng.choice(['sensors', 'software', 'packaging', 'films'])}, for ${price} billion in "
         "cash, net of cash acquired.")
    para(li, f"The Company has paid dividends to its shareholders without interruption for "
         f"{years} consecutive years and raised its quarterly dividend in each of the last "
         f"{rng.randint(5, years)} years.")
    pages["liquidity"] = li
    order = ["cover", "business", "employees", "risks", "legal", "mdna", "segments", "liquidity"]
    texts, where = [], {}
    filler = prose[8:]
    for n, key in enumerate(order):
        texts.append("\n".join(pages[key]))
        where[key] = len(texts)
        if n >= 1:  # a page of other prose between sections
            chunk = filler[3 * n:3 * n + 3]
            texts.append("\n".join(line for p in chunk for line in textwrap.wrap(p, 92) + [""]))
    q = {
        "employees": f"What is the total number of employees of {short}?",
        "cover": f"Which debt securities are registered to trade on a national securities "
                 f"exchange under {short}'s name as of FY2022?",
        "legal": f"Has {short} reported any materially important ongoing legal battles from "
                 "FY2022?",
        "risks": f"Is {short}'s business subject to cyclicality?",
        "mdna": f"What drove operating margin change as of FY2022 for {short}?",
        "business": f"Who are the primary customers of {short} as of FY2022?",
        "business2": f"What are the geographies that {short} primarily operates in as of FY2022?",
        "liquidity": f"What acquisitions did {short} make in FY2022?",
        "mdna2": f"How much has the effective tax rate of {short} changed between FY2021 and "
                 "FY2022?",
        "segments": f"Which segment dragged down {short}'s overall organic growth in 2022?",
        "liquidity2": f"Does {short} maintain a stable trend of dividend distribution?",
        "segments2": f"Which segment had the highest net sales for {short} in FY2022?",
        "business3": f"What are the major products and services that {short} offers?",
    }
    questions = [{"question": text, "key": key, "page": where[key.rstrip("23")]}
                 for key, text in q.items()]
    return short.replace(" ", "").upper() + "_2022_10K", texts, questions


def collection():
    """The reports' folder and the questions (cached under bench/.cache/filings-prose)."""
    def make(docs, articles):
        rng = random.Random(7)
        questions = []
        for number, company in enumerate(COMPANIES):
            prose = [p for a in articles[20 + number::len(COMPANIES)][:3] for p in a.split("\n\n")]
            stem, texts, asked = report(company, number, prose, rng)
            for page, text in enumerate(texts, start=1):
                path = docs / stem / f"page_{page}.txt"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text + "\n", encoding="utf-8")
            questions += [{**q, "source": f"{stem}/page_{q['page']}.txt"} for q in asked]
        return questions
    return cached("filings-prose", make)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=str, default=str(ROOT / "bench/results/filings_prose.json"))
    args = parser.parse_args()
    docs, questions = collection()
    build_index(docs, docs.parent / "index", embedder=cached_embedder())
    engine = AskDocs.load(docs.parent / "index")
    counts = defaultdict(lambda: dict.fromkeys(("questions", "answered", "quotes_evidence_page",
                                                "first_quote_on_it", "shown"), 0))
    for item in questions:
        answer = engine.ask(item["question"])
        sources = [q.source for q in answer.quotes]
        for key in (item["key"].rstrip("23"), "all"):
            row = counts[key]
            row["questions"] += 1
            row["answered"] += answer.answered
            row["quotes_evidence_page"] += item["source"] in sources
            row["first_quote_on_it"] += sources[:1] == [item["source"]]
            row["shown"] += item["source"] in [q.source for q in answer.quotes or answer.nearest]
    results = {key: {k: v if k == "questions" else round(100 * v / row["questions"], 1)
                     for k, v in row.items()}
               for key, row in sorted(counts.items(), key=lambda kv: kv[0] == "all")}
    for key, row in results.items():
        print(f"{key:10s} {row['questions']:3d} questions: answered {row['answered']:5.1f}%, "
              f"quotes the evidence page {row['quotes_evidence_page']:5.1f}% (first "
              f"{row['first_quote_on_it']:5.1f}%), shows it {row['shown']:5.1f}%")
    with open(args.json, "w") as out:
        json.dump(results, out, indent=1)
    print(f"# wrote {args.json}")


if __name__ == "__main__":
    main()
