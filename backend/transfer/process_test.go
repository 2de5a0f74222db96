package transfer

func childMain() int { return 0 }
