package network

import "liaison/service"

// DefaultCategories is the seeded set; admins can edit it.
var DefaultCategories = []service.Category{
	{Code: "traffic", Name: "交通出行", Sort: 10, Active: true},
	{Code: "environment", Name: "生态环境", Sort: 20, Active: true},
	{Code: "education", Name: "教育", Sort: 30, Active: true},
	{Code: "health", Name: "医疗卫生", Sort: 40, Active: true},
	{Code: "social_security", Name: "社会保障", Sort: 50, Active: true},
	{Code: "construction", Name: "城乡建设", Sort: 60, Active: true},
	{Code: "governance", Name: "社会治理", Sort: 70, Active: true},
	{Code: "economy", Name: "经济发展", Sort: 80, Active: true},
	{Code: "other", Name: "其他", Sort: 90, Active: true},
}
