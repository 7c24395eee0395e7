"""The teaching project's consumer commands, as thin modules over buzzline."""
