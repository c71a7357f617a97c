using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Nabla.Bench -- --filter '*Gemm*'   (or *Activation*, *SoftmaxCrossEntropy*, *SparseInput*, *BatchOne*)
BenchmarkSwitcher.FromAssembly(typeof(Nabla.Bench.GemmSquareBenchmarks).Assembly).Run(args);
