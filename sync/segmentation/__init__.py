"""Segmentation and enrichment: the rules of the playbook's §2, §3 and the enrichment of §4.

Rule modules register their rules with :func:`sync.rules.base.rule` when imported (the rule
package imports them all):

* :mod:`.lifecycle`: the one lifecycle segment of every contact.
* :mod:`.value`: RFM scores and groups, whales (Pareto) and spend tiers.
* :mod:`.behaviour`: engagement, preferred channel, frustration, NPS, lead score.
* :mod:`.reactivation`: inactivity, reactivation score and protocol stage.
* :mod:`.moments`: next birthday and purchase anniversary.
* :mod:`.crosssell`: the customer–product matrix per segment and suggestions.
* :mod:`.enrichment`: company domain, country from the phone, generation, company fields.
* :mod:`.language`: the admin's own rules, written in YAML (grammar in :mod:`.syntax`,
  evaluation in :mod:`.conditions`).

What several rules share is computed once per run in modules that never import the rule
framework at run time, and that rule modules import (rule modules never import each other,
so they can be imported in any order): :mod:`.facts` (purchase histories, quantiles),
:mod:`.segments` (lifecycle segments), :mod:`.scores` (frustration, RFM, whales, spend
tiers), :mod:`.emails` (usable addresses, free domains), :mod:`.outputs` (every output name).
This package imports nothing itself, so the config can use :mod:`.syntax`.

:mod:`.commands` has the ``crmsync rules list`` / ``crmsync rules outputs`` commands.
"""
