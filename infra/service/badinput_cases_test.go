package service_test

func specificCases() []badCase { return nil }
