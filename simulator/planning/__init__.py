"""The planner's loop: from targets to a staffing requirement (and, as it grows, to rosters), each step
simulating through simulator.experiment, never the other way round."""
