"""The teaching project's producer commands, as thin modules over buzzline."""
