"""Random assessor assignment (双随机) of a round's enterprises and on-site visits."""
