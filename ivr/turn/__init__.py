"""Turn control: who holds the floor, decided without I/O so it can be tested on timelines."""
