"""Call-ups (调训): cadres named to a class or nominated on a unit's quota, released by their
unit when drawn from outside the organiser's authority, confirmed or explained by their
unit, and explanations decided by the assigning authority."""
