"""Exact Shapley values of the game in coalitions.csv: python3 shapley.py"""

import csv
from itertools import combinations
from math import factorial


def shapley(players, value):
    """Every player's average marginal contribution over all orders of arrival."""
    n = len(players)
    result = {}
    for player in players:
        others = [p for p in players if p != player]
        total = 0.0
        for size in range(n):
            weight = factorial(size) * factorial(n - size - 1) / factorial(n)
            for coalition in combinations(others, size):
                before = frozenset(coalition)
                total += weight * (value[before | {player}] - value[before])
        result[player] = total
    return result


with open("coalitions.csv", newline="") as handle:
    value = {frozenset(row["coalition"].split("+")) - {""}: float(row["value"])
             for row in csv.DictReader(handle)}
players = sorted(set().union(*value))
for player, phi in shapley(players, value).items():
    print(f"{player}: {phi:g}")
