package service

import "time"

// Zone is Beijing time (Asia/Shanghai), for public numbers, calendar dates and message
// text. China has no daylight saving since 1991, so a fixed zone needs no tzdata. Shared by
// every file of the package: declare it nowhere else.
var Zone = time.FixedZone("CST", 8*3600)
