using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Nabla.Bench -- --filter '*Gemm*'   (or *Activation*, *SoftmaxCrossEntropy*, *SparseInput*)
BenchmarkSwitcher.FromAssembly(typeof(Nabla.Bench.GemmSquareBenchmarks).Assembly).Run(args);
