"""What a collection or summary request is about, on many phrasings."""

from __future__ import annotations

import pytest

from rag.jobs.job_request import Request, parse_request

OUTLETS = ["Tehrantimes", "Wikinews", "Global Voices", "Al Mayadeen"]


@pytest.mark.parametrize(("text", "topic"), [
    ("Which articles mention Qassem Soleimani?", "Qassem Soleimani"),
    ("which articles mention Soleimani", "Soleimani"),
    ("Wich articles mention soleimani?", "soleimani"),
    ("Do any articles mention Soleimani?", "Soleimani"),
    ("Is Soleimani mentioned anywhere?", "Soleimani"),
    ("Where is Soleimani mentioned?", "Soleimani"),
    ("In which articles does Soleimani appear?", "Soleimani"),
    ("How many articles mention Soleimani?", "Soleimani"),
    ("list the stories that name Soleimani", "Soleimani"),
    ("articles mentioning Zeus", "Zeus"),
    ("Which pieces mention Iraq's interior minister?", "Iraq's interior minister"),
    ("What do you have on the Kurdistan region?", "the Kurdistan region"),
    ("Any stories about earthquakes?", "earthquakes"),
    ("Find articles about the IRGC", "the IRGC"),
    ("Summarize the article about the Iranian ambassador", "the Iranian ambassador"),
    ("Summarize the story on Iran's ambassador to Baghdad", "Iran's ambassador to Baghdad"),
    ("Give me the main points on the Kurdistan region", "the Kurdistan region"),
    ("Summarize the news on Iraq", "Iraq"),
    ("Brief me on the Hajj stampede", "the Hajj stampede"),
    ("fill me in on the Kurdish separatists", "the Kurdish separatists"),
    ("What is the Soleimani article about?", "Soleimani"),
    ("summarize the Soleimani story", "Soleimani"),
    ("TL;DR of the ambassador article", "ambassador"),
    ("Give me a 3-sentence summary of the Soleimani article", "Soleimani"),
    ("What does the ambassador article say?", "ambassador"),
    ("Walk me through the article about the Kurdistan talks", "the Kurdistan talks"),
])
def test_topic(text, topic):
    assert parse_request(text, OUTLETS).topic == topic


@pytest.mark.parametrize("text", ["What are these articles about?", "What is in here?", "Summarize it",
                                  "summarize that article", "What kind of news is in here?"])
def test_pointing_back_is_no_topic(text):
    request = parse_request(text, OUTLETS)
    assert request.topic is None and request.refers_back


@pytest.mark.parametrize("text", ["List the articles", "Summarize all the articles",
                                  "What topics do the articles cover?", "how many articles are there?"])
def test_the_whole_collection(text):
    request = parse_request(text, OUTLETS)
    assert request.topic is None and request.outlet is None and request.ordinal is None


@pytest.mark.parametrize(("text", "outlet"), [
    ("List the articles from Tehrantimes", "Tehrantimes"),
    ("Which articles are from Tehran Times?", "Tehrantimes"),
    ("stories from the Tehran Times please", "Tehrantimes"),
    ("What articles come from Global Voices?", "Global Voices"),
    ("show only the Wikinews stories", "Wikinews"), ("list articles published by Al Mayadeen", "Al Mayadeen"),
])
def test_outlet(text, outlet):
    request = parse_request(text, OUTLETS)
    assert request.outlet == outlet and request.topic is None


def test_an_outlet_named_as_a_topic_is_not_an_outlet():
    """"mention Wikinews" asks for mentions, not for Wikinews's own articles."""
    assert parse_request("Which articles mention Wikinews?", OUTLETS) == Request(topic="Wikinews")


def test_topic_and_outlet_combine():
    request = parse_request("Which articles from Wikinews mention Brexit?", OUTLETS)
    assert request.outlet == "Wikinews" and request.topic == "Brexit"


@pytest.mark.parametrize(("text", "ordinal"), [
    ("Summarize the first one", 1), ("summarize the second article", 2), ("summarise the last one", -1),
    ("Give me a summary of article 3", 3), ("What's the first article about?", 1),
])
def test_ordinal(text, ordinal):
    request = parse_request(text, OUTLETS)
    assert request.ordinal == ordinal and request.topic is None and request.single


def test_one_article_or_several():
    assert parse_request("Summarize the article about Iraq").single
    assert not parse_request("Summarize the articles about Iraq").single
    assert not parse_request("Give me the main points on Iraq").single
