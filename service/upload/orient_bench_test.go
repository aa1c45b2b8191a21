package upload

import (
	"image"
	"testing"
)

func BenchmarkOrient12MP(b *testing.B) {
	img := image.NewYCbCr(image.Rect(0, 0, 4000, 3000), image.YCbCrSubsampleRatio420)
	for i := 0; i < b.N; i++ {
		orientImage(img, 6)
	}
}
