Console.Error.WriteLine("not implemented yet");
return 2;
